/**
 * The model as a jax-js user writes it: parameters in a pytree drawn with random.uniform, the
 * loss as a pure function of (params, x, eps), one `jit` of `valueAndGrad` plus Adam written
 * with array ops (PyTorch's order of operations), and noise from random.normal on a key split
 * every step. Every Array is passed by ownership: `.ref` wherever a value is used again.
 * Device: webgpu.
 */
import { nn, numpy as np, random } from '@jax-js/jax';
import type { BaselineRecord } from '../lib/report.js';
import { negativeElbo, timeJaxAdam, useJaxWebgpu, type Params } from './jax_adam.js';
import { initBound, widths, type BaselineContext } from './model.js';

/** Times jax-js training steps of the model on its webgpu device. */
export async function jaxBaseline(ctx: BaselineContext): Promise<BaselineRecord> {
  await useJaxWebgpu();
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
  const [key, ...ks] = random.split(random.key(0), 2 * layers.length + 1);
  const params: Params = {};
  layers.forEach(([name, i, o], n) => {
    const k = initBound(i);
    params[`${name}.w`] = random.uniform(ks[2 * n], [i, o], { minval: -k, maxval: k });
    params[`${name}.b`] = random.uniform(ks[2 * n + 1], [o], { minval: -k, maxval: k });
  });

  return timeJaxAdam(ctx, params, key, [batch, cfg.inputSize], 'jit(valueAndGrad(loss)) + Adam in array ops, one jit per step', (p, x, eps) => {
    let h = x.ref;
    for (const name of enc) h = nn.relu(np.dot(h, p[`${name}.w`]).add(p[`${name}.b`]));
    const mu = np.dot(h.ref, p['fc21.w']).add(p['fc21.b']);
    const logvar = np.dot(h, p['fc22.w']).add(p['fc22.b']);
    h = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
    dec.forEach((name, i) => {
      const y = np.dot(h, p[`${name}.w`]).add(p[`${name}.b`]);
      h = i < dec.length - 1 ? nn.relu(y) : y;
    });
    return negativeElbo(h, x, mu, logvar);
  });
}
