/**
 * What both TensorFlow.js baselines (the MLP VAE and the conv VAE) share: the webgpu backend,
 * the negative ELBO from logits in its stable form, and the loop a TensorFlow.js user writes:
 * tf.train.adam(1e-3) applied with optimizer.minimize, timed by timeSteps, the variables
 * disposed after.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { BaselineRecord } from '../lib/report.js';
import { timeSteps, type BaselineContext } from './model.js';

/** Starts TensorFlow.js's webgpu backend, or throws. */
export async function useTfjsWebgpu(): Promise<void> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its webgpu backend');
  await tf.ready();
}

/**
 * BCE with logits, stable: max(l, 0) - l x + log(1 + exp(-|l|)), summed over the batch as the
 * PyTorch example does; plus the KL of N(mu, exp(logvar)) from N(0, 1).
 */
export function negativeElbo(logits: tf.Tensor, x: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor): tf.Scalar {
  const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
  const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
  return tf.add(bce, kl) as tf.Scalar;
}

/** Times Adam on `loss(x)` with x = `input(rows)` of each of the context's batches; disposes `variables` after. */
export async function timeTfjsAdam<X extends tf.Tensor>(
  ctx: BaselineContext, input: (rows: Float32Array) => X, loss: (x: X) => tf.Scalar, variables: tf.Variable[], style: string,
): Promise<BaselineRecord> {
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  try {
    const timing = await timeSteps(ctx, (i) => {
      const x = input(ctx.batches[i % ctx.batches.length]);
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
    return { framework: 'TensorFlow.js', version: tf.version.tfjs, backend: tf.getBackend(), style, ...timing };
  } finally {
    optimizer.dispose();
    for (const v of variables) v.dispose();
  }
}
