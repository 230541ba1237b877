/**
 * What both jax-js baselines (the MLP VAE and the conv VAE) share: the webgpu device, the
 * negative ELBO from logits, and the training loop a jax-js user writes around a loss, one `jit`
 * of `valueAndGrad` plus Adam in array ops (PyTorch's order of operations), noise from
 * random.normal on a key split every step, timed by timeSteps. Every Array is passed by
 * ownership: `.ref` wherever a value is used again.
 */
import { blockUntilReady, defaultDevice, init, jit, nn, numpy as np, random, tree, valueAndGrad } from '@jax-js/jax';
import type { BaselineRecord } from '../lib/report.js';
import { timeSteps, type BaselineContext } from './model.js';

declare const BENCH_VERSIONS: Record<string, string> | undefined;

export type Params = { [name: string]: np.Array };

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;
const LR = 1e-3;

/** Selects jax-js's webgpu device, or throws saying which devices it found. */
export async function useJaxWebgpu(): Promise<void> {
  const devices = await init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js found no webgpu device (devices: ${devices.join(', ') || 'none'})`);
  defaultDevice('webgpu');
}

/** BCE with logits, softplus(l) - l x, summed; plus the KL of N(mu, exp(logvar)) from N(0, 1). */
export function negativeElbo(logits: np.Array, x: np.Array, mu: np.Array, logvar: np.Array): np.Array {
  const bce = nn.softplus(logits.ref).sub(logits.mul(x)).sum();
  const kl = logvar.ref.add(1).sub(mu.ref.mul(mu)).sub(np.exp(logvar)).sum().mul(-0.5);
  return bce.add(kl);
}

/**
 * Times Adam on `loss(params, x, eps)` over the context's batches (reshaped to `xShape`), eps
 * drawn [batch, latent] from `key`'s splits. Takes ownership of `params` and `key`.
 */
export async function timeJaxAdam(
  ctx: BaselineContext, params: Params, key: np.Array, xShape: number[], style: string,
  loss: (p: Params, x: np.Array, eps: np.Array) => np.Array,
): Promise<BaselineRecord> {
  const { cfg, batch } = ctx;
  let m: Params = tree.map((p: np.Array) => np.zerosLike(p), tree.ref(params)) as Params;
  let v: Params = tree.map((p: np.Array) => np.zerosLike(p), tree.ref(params)) as Params;
  const trainStep = jit((p: Params, m0: Params, v0: Params, x: np.Array, k: np.Array, stepSize: np.Array, bc2Sqrt: np.Array) => {
    const eps = random.normal(k, [batch, cfg.latent]);
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, eps);
    const p1: Params = {};
    const m1: Params = {};
    const v1: Params = {};
    for (const name of Object.keys(p)) {
      const g = grads[name];
      const mk = m0[name].mul(B1).add(g.ref.mul(1 - B1));
      const vk = v0[name].mul(B2).add(g.ref.mul(g).mul(1 - B2));
      p1[name] = p[name].sub(mk.ref.mul(stepSize.ref).div(np.sqrt(vk.ref).div(bc2Sqrt.ref).add(EPS)));
      m1[name] = mk;
      v1[name] = vk;
    }
    stepSize.dispose();
    bc2Sqrt.dispose();
    return [value, p1, m1, v1] as [np.Array, Params, Params, Params];
  });

  try {
    const timing = await timeSteps(ctx, (i) => {
      const t = i + 1;
      const x = np.array(ctx.batches[i % ctx.batches.length]).reshape(xShape);
      const [next, sub] = random.split(key);
      key = next;
      const stepSize = np.array(LR / (1 - B1 ** t));
      const bc2Sqrt = np.array(Math.sqrt(1 - B2 ** t));
      const [value, p1, m1, v1] = trainStep(params, m, v, x, sub, stepSize, bc2Sqrt);
      params = p1;
      m = m1;
      v = v1;
      return {
        wait: async () => {
          await blockUntilReady(params);
          return Number((await value.data())[0]);
        },
        drop: () => value.dispose(),
      };
    });
    return { framework: 'jax-js', version: typeof BENCH_VERSIONS !== 'undefined' ? BENCH_VERSIONS['@jax-js/jax'] : undefined, backend: 'webgpu', style, ...timing };
  } finally {
    trainStep.dispose();
    tree.dispose([params, m, v]);
    key.dispose();
  }
}
