/**
 * The model as a TensorFlow.js user writes it: tf.variable weights with nn.Linear's uniform
 * initialisation, the forward pass and loss in tf ops (BCE from logits in its stable form plus
 * the KL term, summed over the batch as the PyTorch example does), noise from tf.randomNormal,
 * and tf.train.adam(1e-3) applied with optimizer.minimize. Backend: webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import type { BaselineRecord } from '../lib/report.js';
import { initBound, widths, type BaselineContext } from './model.js';
import { negativeElbo, timeTfjsAdam, useTfjsWebgpu } from './tfjs_adam.js';

interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}

function dense(inSize: number, outSize: number): Dense {
  const k = initBound(inSize);
  return { w: tf.variable(tf.randomUniform([inSize, outSize], -k, k)), b: tf.variable(tf.randomUniform([outSize], -k, k)) };
}

const apply = (d: Dense, x: tf.Tensor) => tf.add(tf.matMul(x, d.w), d.b);

/** Times TensorFlow.js training steps of the model on the webgpu backend. */
export async function tfjsBaseline(ctx: BaselineContext): Promise<BaselineRecord> {
  await useTfjsWebgpu();
  const { cfg, batch } = ctx;
  const shape = widths(cfg);
  const encoder = shape.encoder.map(([i, o]) => dense(i, o));
  const fc21 = dense(shape.last, cfg.latent);
  const fc22 = dense(shape.last, cfg.latent);
  const decoder = shape.decoder.map(([i, o]) => dense(i, o));

  const loss = (x: tf.Tensor2D): tf.Scalar => {
    let h: tf.Tensor = x;
    for (const d of encoder) h = tf.relu(apply(d, h));
    const mu = apply(fc21, h);
    const logvar = apply(fc22, h);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), tf.randomNormal([batch, cfg.latent])));
    h = z;
    decoder.forEach((d, i) => {
      h = i < decoder.length - 1 ? tf.relu(apply(d, h)) : apply(d, h);
    });
    return negativeElbo(h, x, mu, logvar);
  };

  const variables = [...encoder, fc21, fc22, ...decoder].flatMap((d) => [d.w, d.b]);
  return timeTfjsAdam(ctx, (rows) => tf.tensor2d(rows, [batch, cfg.inputSize]), loss, variables, 'tf.variable + optimizer.minimize (tf.train.adam)');
}
