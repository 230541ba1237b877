/**
 * The convolutional VAE as a jax-js user writes it, in PyTorch's terms (NCHW, padding 1 on both
 * sides): lax.convGeneralDilated with stride 2 in the encoder, a dense layer, the two heads, a
 * dense layer back, and the transposed convolutions as convolutions of the input dilated by the
 * stride (lhsDilation, padding k - 1 - p before and k - 1 - p + output padding after), the way
 * JAX expresses conv_transpose. The loss as a pure function, one `jit` of `valueAndGrad` plus
 * Adam in array ops, noise from random.normal on a key split every step; `.ref` wherever a value
 * is used again. Device: webgpu.
 */
import { blockUntilReady, defaultDevice, init, jit, lax, nn, numpy as np, random, tree, valueAndGrad } from '@jax-js/jax';
import type { BaselineRecord } from '../lib/report.js';
import { convShapes, initBound, timeSteps, type BaselineContext } from './model.js';

declare const BENCH_VERSIONS: Record<string, string> | undefined;

type Params = { [name: string]: np.Array };

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;
const LR = 1e-3;

/** Times jax-js training steps of the conv VAE on its webgpu device. */
export async function jaxConvBaseline(ctx: BaselineContext): Promise<BaselineRecord> {
  const devices = await init('webgpu');
  if (!devices.includes('webgpu')) throw new Error(`jax-js found no webgpu device (devices: ${devices.join(', ') || 'none'})`);
  defaultDevice('webgpu');
  const { cfg, batch } = ctx;
  const s = convShapes(cfg);
  // Every kernel stored [out, in, k, k], as convGeneralDilated takes it (for the transposed
  // layers that is PyTorch's weight flipped and transposed: the same numbers of a random init).
  const tensors: [string, number[], number][] = [];
  s.encoder.forEach((l, i) => {
    tensors.push([`enc${i + 1}.w`, [l.cout, l.cin, l.k, l.k], l.cin * l.k * l.k], [`enc${i + 1}.b`, [1, l.cout, 1, 1], l.cin * l.k * l.k]);
  });
  tensors.push(['fc1.w', [s.flat, cfg.dense], s.flat], ['fc1.b', [cfg.dense], s.flat]);
  tensors.push(['fc21.w', [cfg.dense, cfg.latent], cfg.dense], ['fc21.b', [cfg.latent], cfg.dense]);
  tensors.push(['fc22.w', [cfg.dense, cfg.latent], cfg.dense], ['fc22.b', [cfg.latent], cfg.dense]);
  tensors.push(['fc3.w', [cfg.latent, s.flat], cfg.latent], ['fc3.b', [s.flat], cfg.latent]);
  s.decoder.forEach((l, i) => {
    tensors.push([`dec${i + 1}.w`, [l.cout, l.cin, l.k, l.k], l.cout * l.k * l.k], [`dec${i + 1}.b`, [1, l.cout, 1, 1], l.cout * l.k * l.k]);
  });
  let key = random.key(0);
  const [k0, ...ks] = random.split(key, tensors.length + 1);
  key = k0;
  let params: Params = {};
  tensors.forEach(([name, shape, fanIn], n) => {
    const b = initBound(fanIn);
    params[name] = random.uniform(ks[n], shape, { minval: -b, maxval: b });
  });
  let m: Params = tree.map((p: np.Array) => np.zerosLike(p), tree.ref(params)) as Params;
  let v: Params = tree.map((p: np.Array) => np.zerosLike(p), tree.ref(params)) as Params;

  const [C, H, W] = cfg.inputShape;
  const lossFn = (p: Params, x: np.Array, eps: np.Array): np.Array => {
    let h = x.ref;
    s.encoder.forEach((l, i) => {
      const y = lax.convGeneralDilated(h, p[`enc${i + 1}.w`], [l.stride, l.stride], [[l.padding, l.padding], [l.padding, l.padding]]);
      h = nn.relu(y.add(p[`enc${i + 1}.b`]));
    });
    const f = nn.relu(np.dot(h.reshape([batch, s.flat]), p['fc1.w']).add(p['fc1.b']));
    const mu = np.dot(f.ref, p['fc21.w']).add(p['fc21.b']);
    const logvar = np.dot(f, p['fc22.w']).add(p['fc22.b']);
    const z = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
    h = nn.relu(np.dot(z, p['fc3.w']).add(p['fc3.b'])).reshape([batch, ...s.bottom]);
    s.decoder.forEach((l, i) => {
      const lo = l.k - 1 - l.padding;
      const y = lax.convGeneralDilated(h, p[`dec${i + 1}.w`], [1, 1], [[lo, lo + l.outputPadding], [lo, lo + l.outputPadding]], { lhsDilation: [l.stride, l.stride] })
        .add(p[`dec${i + 1}.b`]);
      h = i < s.decoder.length - 1 ? nn.relu(y) : y;
    });
    const logits = h;
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
      const x = np.array(ctx.batches[i % ctx.batches.length]).reshape([batch, C, H, W]);
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
      style: 'lax.convGeneralDilated (NCHW; lhsDilation for the transposed layers), jit(valueAndGrad(loss)) + Adam in array ops', ...timing,
    };
  } finally {
    trainStep.dispose();
    tree.dispose([params, m, v]);
    key.dispose();
  }
}
