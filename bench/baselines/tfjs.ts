/**
 * The model as a TensorFlow.js user writes it: tf.variable weights with nn.Linear's uniform
 * initialisation, the forward pass and loss in tf ops (BCE from logits in its stable form plus
 * the KL term, summed over the batch as the PyTorch example does), noise from tf.randomNormal,
 * and tf.train.adam(1e-3) applied with optimizer.minimize. Backend: webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { BaselineRecord } from '../lib/report.js';
import { initBound, timeSteps, widths, type BaselineContext } from './model.js';

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
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its webgpu backend');
  await tf.ready();
  const { cfg, batch } = ctx;
  const shape = widths(cfg);
  const encoder = shape.encoder.map(([i, o]) => dense(i, o));
  const fc21 = dense(shape.last, cfg.latent);
  const fc22 = dense(shape.last, cfg.latent);
  const decoder = shape.decoder.map(([i, o]) => dense(i, o));
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);

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
    const logits = h;
    // BCE with logits, stable: max(l, 0) - l x + log(1 + exp(-|l|)).
    const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
    return tf.add(bce, kl) as tf.Scalar;
  };

  try {
    const timing = await timeSteps(ctx, (i) => {
      const x = tf.tensor2d(ctx.batches[i % ctx.batches.length], [batch, cfg.inputSize]);
      const cost = optimizer.minimize(() => loss(x), true)!;
      x.dispose();
      return {
        wait: async () => {
          const v = (await cost.data())[0];
          cost.dispose();
          return v;
        },
        drop: () => cost.dispose(),
      };
    });
    return { framework: 'TensorFlow.js', version: tf.version.tfjs, backend: tf.getBackend(), style: 'tf.variable + optimizer.minimize (tf.train.adam)', ...timing };
  } finally {
    optimizer.dispose();
    for (const d of [...encoder, fc21, fc22, ...decoder]) {
      d.w.dispose();
      d.b.dispose();
    }
  }
}
