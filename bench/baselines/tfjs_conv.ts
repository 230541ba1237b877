/**
 * The convolutional VAE as a TensorFlow.js user writes it, keras-io's model on the tf ops API:
 * tf.variable weights with PyTorch's default uniform initialisation, NHWC activations,
 * tf.conv2d (stride 2, padding 'same') in the encoder, a dense layer, the two heads, a dense
 * layer back and tf.conv2dTranspose (stride 2, 'same', then stride 1) in the decoder; BCE from
 * logits in its stable form plus KL, summed over the batch; tf.train.adam(1e-3) applied with
 * optimizer.minimize. Backend: webgpu. Same shapes and work as ours ('same' pads the end, as
 * keras does, where PyTorch pads both sides: the speed is the same).
 */
import * as tf from '@tensorflow/tfjs';
import type { BaselineRecord } from '../lib/report.js';
import { convShapes, initBound, type BaselineContext } from './model.js';
import { negativeElbo, timeTfjsAdam, useTfjsWebgpu } from './tfjs_adam.js';

/** Times TensorFlow.js training steps of the conv VAE on the webgpu backend. */
export async function tfjsConvBaseline(ctx: BaselineContext): Promise<BaselineRecord> {
  await useTfjsWebgpu();
  const { cfg, batch } = ctx;
  const s = convShapes(cfg);
  const uniform = (shape: number[], fanIn: number) => tf.variable(tf.randomUniform(shape, -initBound(fanIn), initBound(fanIn)));
  // Filters as tf wants them: conv2d [k, k, in, out], conv2dTranspose [k, k, out, in].
  const enc = s.encoder.map((l) => ({ w: uniform([l.k, l.k, l.cin, l.cout], l.cin * l.k * l.k), b: uniform([l.cout], l.cin * l.k * l.k), stride: l.stride }));
  const fc1 = { w: uniform([s.flat, cfg.dense], s.flat), b: uniform([cfg.dense], s.flat) };
  const fc21 = { w: uniform([cfg.dense, cfg.latent], cfg.dense), b: uniform([cfg.latent], cfg.dense) };
  const fc22 = { w: uniform([cfg.dense, cfg.latent], cfg.dense), b: uniform([cfg.latent], cfg.dense) };
  const fc3 = { w: uniform([cfg.latent, s.flat], cfg.latent), b: uniform([s.flat], cfg.latent) };
  const dec = s.decoder.map((l) => ({
    w: uniform([l.k, l.k, l.cout, l.cin], l.cout * l.k * l.k), b: uniform([l.cout], l.cout * l.k * l.k), stride: l.stride, out: [batch, l.ho, l.wo, l.cout] as [number, number, number, number],
  }));
  const dense = (x: tf.Tensor, d: { w: tf.Variable; b: tf.Variable }) => tf.add(tf.matMul(x as tf.Tensor2D, d.w as tf.Tensor2D), d.b);

  const loss = (x: tf.Tensor4D): tf.Scalar => {
    let h: tf.Tensor4D = x;
    for (const l of enc) h = tf.relu(tf.add(tf.conv2d(h, l.w as tf.Tensor4D, l.stride, 'same'), l.b)) as tf.Tensor4D;
    const f = tf.relu(dense(tf.reshape(h, [batch, s.flat]), fc1));
    const mu = dense(f, fc21);
    const logvar = dense(f, fc22);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), tf.randomNormal([batch, cfg.latent])));
    // fc3's output in (C, H, W) order, as PyTorch's view: reshape, then to NHWC.
    const [c0, h0, w0] = s.bottom;
    h = tf.transpose(tf.reshape(tf.relu(dense(z, fc3)), [batch, c0, h0, w0]), [0, 2, 3, 1]);
    dec.forEach((l, i) => {
      const y = tf.add(tf.conv2dTranspose(h, l.w as tf.Tensor4D, l.out, l.stride, 'same'), l.b);
      h = (i < dec.length - 1 ? tf.relu(y) : y) as tf.Tensor4D;
    });
    return negativeElbo(h, x, mu, logvar);
  };

  const [C, H, W] = cfg.inputShape;
  const variables = [...enc, fc1, fc21, fc22, fc3, ...dec].flatMap((l) => [l.w, l.b]);
  // The digits are (C, H, W) rows; with one channel that is already NHWC.
  return timeTfjsAdam(ctx, (rows) => tf.tensor4d(rows, [batch, H, W, C]), loss, variables, 'tf.conv2d / tf.conv2dTranspose (NHWC) + optimizer.minimize (tf.train.adam)');
}
