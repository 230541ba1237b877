// The convolutional VAE (arch conv): whole training steps on the GPU against the float64
// reference, tensor by tensor (the loss, every gradient, every updated weight), on small models
// with odd sizes and on the keras-io shapes at a small batch, with ragged last batches; several
// steps' losses; and the MLP's step left as it was before convolution layers existed.
import { describe, expect, it } from 'vitest';
import { resolveAdam, resolveConfig, type VaeConfig } from '../src/config.js';
import { initParameters } from '../src/model/init.js';
import { describeModel, layerSpecs, parameterCount } from '../src/model/describe.js';
import { adamUpdate, toRefParams, vaeBackward, vaeForward, type RefParams } from '../src/reference/vae.js';
import { Vae } from '../src/vae/vae.js';
import { expectClose } from './util/compare.js';
import { testGpu } from './util/gpu.js';
import { expectStepsMatch, inputs, steps } from './util/step.js';

// Odd channel counts, odd heights and widths inside (3x5, 6x10; 1x3, 2x6), batches not a multiple of 4.
const SMALL = resolveConfig({ arch: 'conv', inputShape: [1, 6, 10], channels: [5], dense: 7, latent: 3, batch: 5 });
const SMALL2 = resolveConfig({ arch: 'conv', inputShape: [2, 4, 12], channels: [3, 5], dense: 6, latent: 3, batch: 7 });
// The keras-io architecture (channels 32, 64, dense 16, latent 2) at a small batch.
const KERAS = resolveConfig({ arch: 'conv', batch: 6 });

describe('conv VAE: one training step equals the reference', () => {
  const cases: [string, VaeConfig, number[]][] = [
    ['one convolution, 1x6x10 (3x5 inside), batch 5', SMALL, [5]],
    ['two convolutions on 2 channels, 2x4x12, batch 7 and a ragged 3 of 7', SMALL2, [7, 3]],
    ['keras-io shapes (1x28x28, 32 and 64 channels), batch 6 and a ragged 4 of 6', KERAS, [6, 4]],
  ];
  for (const [name, cfg, counts] of cases) {
    it(name, async () => {
      expectStepsMatch(await steps(cfg, counts));
    });
  }

  it('keras-io sizes: 134,165 parameters and the 29 dispatches of one step', async () => {
    const cfg = resolveConfig({ arch: 'conv', batch: 4 });
    expect(parameterCount(layerSpecs(cfg))).toBe(134_165);
    const { device } = await testGpu();
    const vae = await Vae.create({ config: cfg, device });
    const labels = vae.stepLabels();
    vae.destroy();
    expect(labels).toEqual([
      'enc1.forward', 'enc2.forward', 'fc1.forward', 'head.forward', 'reparameterize.forward',
      'fc3.forward', 'dec1.forward', 'dec2.forward', 'dec3.forward', 'bce_kl.per_row', 'bce_kl.total',
      'dec3.backward_weight', 'dec3.backward_input', 'dec2.backward_weight', 'dec2.backward_input',
      'dec1.backward_weight', 'dec1.backward_input', 'fc3.backward_weight', 'fc3.backward_input', 'reparameterize.backward',
      'head.backward_weight', 'head.backward_input', 'fc1.backward_weight', 'fc1.backward_input',
      'enc2.backward_weight', 'enc2.backward_input', 'enc1.backward_weight',
      'adam.grad_norm', 'adam',
    ]);
  });
});

describe('conv VAE: several steps track the reference', () => {
  it('odd sizes: losses within 1e-4 relative over 6 steps, the last one ragged', async () => {
    const cfg = SMALL2;
    const { device } = await testGpu();
    const init = initParameters(layerSpecs(cfg), 5);
    const vae = await Vae.create({ config: cfg, device, noise: 'buffer', parameters: init, seed: 5, readbackEvery: 4 });
    const hp = resolveAdam({});
    const ref: RefParams = toRefParams(init);
    const state = new Map([...ref].map(([k, v]) => [k, { m: new Float64Array(v.length), v: new Float64Array(v.length) }]));
    const refLosses: number[] = [];
    for (let s = 0; s < 6; s++) {
      const count = s === 5 ? 3 : cfg.batch;
      const { x, eps } = inputs(cfg, 100 + 2 * s);
      vae.setNoise(eps);
      await vae.step(x, count);
      const fwd = vaeForward(ref, cfg, x, eps, count);
      refLosses.push((fwd.loss.reconSum + fwd.loss.klSum) / count);
      const g = vaeBackward(ref, cfg, fwd, eps);
      for (const [k, p] of ref) adamUpdate(p, g.get(k)!, state.get(k)!, hp, s + 1);
    }
    const got = await vae.losses();
    vae.destroy();
    expect(got.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expectClose('loss per image, steps 1-6', got.map((l) => l.loss), refLosses, 0, 1e-4);
    expect(refLosses[4], 'the loss falls over the full steps').toBeLessThan(refLosses[0]);
  });
});

describe('conv VAE: the model description', () => {
  it('mirrors the channels, halving and doubling the image', () => {
    const m = describeModel(resolveConfig({ arch: 'conv', channels: [8, 16, 24], dense: 10, latent: 4, inputShape: [3, 16, 24] }));
    const sizes = [...m.encoder, m.head, ...m.decoder].map((l) => `${l.name}:${l.type}:${l.inSize}->${l.outSize}`);
    expect(sizes).toEqual([
      'enc1:conv2d:1152->768', 'enc2:conv2d:768->384', 'enc3:conv2d:384->144', 'fc1:linear:144->10', 'head:linear:10->8',
      'fc3:linear:4->144', 'dec1:conv_transpose2d:144->576', 'dec2:conv_transpose2d:576->1536', 'dec3:conv_transpose2d:1536->3072',
      'dec4:conv_transpose2d:3072->1152',
    ]);
    expect(m.decoder.map((l) => l.relu)).toEqual([true, true, true, true, false]);
  });
});

describe('the MLP VAE is unchanged by the convolution layers', () => {
  // Recorded before the conv layer types were registered: the reference model's step on the
  // register variant (dispatch, pipeline, grid) and its parameter arena (name, offset in floats
  // at 256-byte alignment, shape). Same dispatches on the same buffers give the same numbers.
  const DISPATCHES = [
    'enc1.forward linear.forward[register] 7x8x1', 'head.forward linear.forward[register] 1x8x1',
    'reparameterize.forward reparameterize.forward_sample 1x128x1', 'dec1.forward linear.forward[register] 7x8x1',
    'out.forward linear.forward[register] 13x8x1', 'bce_kl.per_row bce_kl.per_row 128x1x1', 'bce_kl.total bce_kl.total 1x1x1',
    'out.backward_weight linear.backward_weight[register] 4x98x1', 'out.backward_input linear.backward_input[register] 7x8x1',
    'dec1.backward_weight linear.backward_weight[register] 1x50x1', 'dec1.backward_input linear.backward_input[register] 1x8x1',
    'reparameterize.backward reparameterize.backward 1x128x1', 'head.backward_weight linear.backward_weight[register] 4x5x1',
    'head.backward_input linear.backward_input[register] 7x8x1', 'enc1.backward_weight linear.backward_weight[register] 7x50x1',
    'adam.grad_norm adam.grad_norm 1x1x1', 'adam adam.update 2551x1x1',
  ];
  const LAYOUT = [
    'enc1.weight 0 400x784', 'enc1.bias 313600 1x400', 'head.weight 314048 40x400', 'head.bias 330048 1x40',
    'dec1.weight 330112 400x20', 'dec1.bias 338112 1x400', 'out.weight 338560 784x400', 'out.bias 652160 1x784',
  ];

  it('reference model: the same 17 dispatches, grids and arena', async () => {
    const { device } = await testGpu();
    const cfg = resolveConfig({});
    expect(cfg.arch).toBe('mlp');
    const vae = await Vae.create({ config: cfg, device, linearVariant: 'register' });
    const got = vae.stepDispatches().map((d) => `${d.label} ${d.pipeline.label} ${d.workgroups.join('x')}`);
    const layout = vae.layout.slots.map((s) => `${s.name} ${s.offset} ${s.rows}x${s.cols}`);
    vae.destroy();
    expect(got).toEqual(DISPATCHES);
    if (device.limits.minStorageBufferOffsetAlignment === 256) expect(layout).toEqual(LAYOUT);
  });
});
