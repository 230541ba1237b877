/**
 * The convolutional VAE as a jax-js user writes it, in PyTorch's terms (NCHW, padding 1 on both
 * sides): lax.convGeneralDilated with stride 2 in the encoder, a dense layer, the two heads, a
 * dense layer back, and the transposed convolutions as convolutions of the input dilated by the
 * stride (lhsDilation, padding k - 1 - p before and k - 1 - p + output padding after), the way
 * JAX expresses conv_transpose. The loss as a pure function, one `jit` of `valueAndGrad` plus
 * Adam in array ops, noise from random.normal on a key split every step; `.ref` wherever a value
 * is used again. Device: webgpu.
 */
import { lax, nn, numpy as np, random } from '@jax-js/jax';
import type { BaselineRecord } from '../lib/report.js';
import { negativeElbo, timeJaxAdam, useJaxWebgpu, type Params } from './jax_adam.js';
import { convShapes, initBound, type BaselineContext } from './model.js';

/** Times jax-js training steps of the conv VAE on its webgpu device. */
export async function jaxConvBaseline(ctx: BaselineContext): Promise<BaselineRecord> {
  await useJaxWebgpu();
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
  const [key, ...ks] = random.split(random.key(0), tensors.length + 1);
  const params: Params = {};
  tensors.forEach(([name, shape, fanIn], n) => {
    const b = initBound(fanIn);
    params[name] = random.uniform(ks[n], shape, { minval: -b, maxval: b });
  });
  const [C, H, W] = cfg.inputShape;
  const style = 'lax.convGeneralDilated (NCHW; lhsDilation for the transposed layers), jit(valueAndGrad(loss)) + Adam in array ops';
  return timeJaxAdam(ctx, params, key, [batch, C, H, W], style, (p, x, eps) => {
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
    return negativeElbo(h, x, mu, logvar);
  });
}
