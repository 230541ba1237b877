/**
 * The model as a jax-js user writes it: parameters in a pytree drawn with random.uniform, the
 * loss as a pure function of (params, x, eps), one `jit` of `valueAndGrad` plus Adam written
 * with array ops (PyTorch's order of operations), and noise from random.normal on a key split
 * every step. Every Array is passed by ownership: `.ref` wherever a value is used again.
 * Device: webgpu.
 */
import { blockUntilReady, defaultDevice, init, jit, nn, numpy as np, random, tree, valueAndGrad } from '@jax-js/jax';
import type { BaselineRecord } from '../lib/report.js';
import { initBound, timeSteps, widths, type BaselineContext } from './model.js';

declare const BENCH_VERSIONS: Record<string, string> | undefined;

type Params = { [name: string]: np.Array };

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;
const LR = 1e-3;

/** Times jax-js training steps of the model on its webgpu device. */
export async function jaxBaseline(ctx: BaselineContext): Promise<BaselineRecord> {
  const devices = await init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js found no webgpu device (devices: ${devices.join(', ') || 'none'})`);
  defaultDevice('webgpu');
  const { cfg, batch } = ctx;
  const shape = widths(cfg);
  const enc = shape.encoder.map((_, i) => `enc${i + 1}`);
  const dec = shape.decoder.map((_, i) => `dec${i + 1}`);

  // nn.Linear's initialisation; weights stored (in, out) so a layer is x @ W + b.
  const layers: [string, number, number][] = [
    ...shape.encoder.map(([i, o], k) => [enc[k], i, o] as [string, number, number]),
    ['fc21', shape.last, cfg.latent],
    ['fc22', shape.last, cfg.latent],
    ...shape.decoder.map(([i, o], k) => [dec[k], i, o] as [string, number, number]),
  ];
  let key = random.key(0);
  const keys = random.split(key, 2 * layers.length + 1);
  const [k0, ...ks] = keys;
  key = k0;
  let params: Params = {};
  layers.forEach(([name, i, o], n) => {
    const k = initBound(i);
    params[`${name}.w`] = random.uniform(ks[2 * n], [i, o], { minval: -k, maxval: k });
    params[`${name}.b`] = random.uniform(ks[2 * n + 1], [o], { minval: -k, maxval: k });
  });
  let m: Params = tree.map((p: np.Array) => np.zerosLike(p), tree.ref(params)) as Params;
  let v: Params = tree.map((p: np.Array) => np.zerosLike(p), tree.ref(params)) as Params;

  const lossFn = (p: Params, x: np.Array, eps: np.Array): np.Array => {
    let h = x.ref;
    for (const name of enc) h = nn.relu(np.dot(h, p[`${name}.w`]).add(p[`${name}.b`]));
    const mu = np.dot(h.ref, p['fc21.w']).add(p['fc21.b']);
    const logvar = np.dot(h, p['fc22.w']).add(p['fc22.b']);
    h = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
    dec.forEach((name, i) => {
      const y = np.dot(h, p[`${name}.w`]).add(p[`${name}.b`]);
      h = i < dec.length - 1 ? nn.relu(y) : y;
    });
    const logits = h;
    // BCE with logits: softplus(l) - l x, summed; KL of N(mu, exp(logvar)) from N(0, 1).
    const bce = nn.softplus(logits.ref).sub(logits.mul(x)).sum();
    const kl = logvar.ref.add(1).sub(mu.ref.mul(mu)).sub(np.exp(logvar)).sum().mul(-0.5);
    return bce.add(kl);
  };

  const trainStep = jit((p: Params, m0: Params, v0: Params, x: np.Array, k: np.Array, stepSize: np.Array, bc2Sqrt: np.Array) => {
    const eps = random.normal(k, [batch, cfg.latent]);
    const [loss, grads] = valueAndGrad(lossFn)(tree.ref(p), x, eps);
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
    return [loss, p1, m1, v1] as [np.Array, Params, Params, Params];
  });

  try {
    const timing = await timeSteps(ctx, (i) => {
      const t = i + 1;
      const x = np.array(ctx.batches[i % ctx.batches.length]).reshape([batch, cfg.inputSize]);
      const [next, sub] = random.split(key);
      key = next;
      const stepSize = np.array(LR / (1 - B1 ** t));
      const bc2Sqrt = np.array(Math.sqrt(1 - B2 ** t));
      const [loss, p1, m1, v1] = trainStep(params, m, v, x, sub, stepSize, bc2Sqrt);
      params = p1;
      m = m1;
      v = v1;
      return {
        wait: async () => {
          await blockUntilReady(params);
          return Number((await loss.data())[0]);
        },
        drop: () => loss.dispose(),
      };
    });
    return {
      framework: 'jax-js', version: typeof BENCH_VERSIONS !== 'undefined' ? BENCH_VERSIONS['@jax-js/jax'] : undefined, backend: 'webgpu',
      style: 'jit(valueAndGrad(loss)) + Adam in array ops, one jit per step', ...timing,
    };
  } finally {
    trainStep.dispose();
    tree.dispose([params, m, v]);
    key.dispose();
  }
}
