// The scheduler's promises: nothing allocated per step, one submit per step, everything released.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { toRefParams, vaeForward } from '../src/reference/vae.js';
import { Vae } from '../src/vae/vae.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

describe('Vae lifecycle', () => {
  it('allocates no buffer or bind group and submits once per step', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config: { inputSize: 12, hidden: [8], latent: 2, batch: 4 }, readbackEvery: 2 });
    const x = new Float32Array(4 * 12).fill(0.5);
    await vae.step(x);
    await vae.step(x);
    await vae.losses();
    const counts = { buffers: 0, bindGroups: 0, pipelines: 0, submits: 0 };
    const d = device as GPUDevice & Record<string, unknown>;
    const orig = { createBuffer: d.createBuffer, createBindGroup: d.createBindGroup, createComputePipeline: d.createComputePipeline, submit: device.queue.submit };
    d.createBuffer = (desc: GPUBufferDescriptor) => (counts.buffers++, orig.createBuffer.call(device, desc));
    d.createBindGroup = (desc: GPUBindGroupDescriptor) => (counts.bindGroups++, orig.createBindGroup.call(device, desc));
    d.createComputePipeline = (desc: GPUComputePipelineDescriptor) => (counts.pipelines++, orig.createComputePipeline.call(device, desc));
    device.queue.submit = (cmds: Iterable<GPUCommandBuffer>) => (counts.submits++, orig.submit.call(device.queue, cmds));
    try {
      for (let i = 0; i < 6; i++) await vae.step(x);
    } finally {
      Object.assign(d, { createBuffer: orig.createBuffer, createBindGroup: orig.createBindGroup, createComputePipeline: orig.createComputePipeline });
      device.queue.submit = orig.submit;
    }
    expect(counts).toEqual({ buffers: 0, bindGroups: 0, pipelines: 0, submits: 6 });
    const losses = await vae.losses();
    expect(losses.map((l) => l.step)).toEqual([3, 4, 5, 6, 7, 8]);
    vae.destroy();
  });

  it('destroy() releases every buffer and later use fails clearly', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config: { inputSize: 8, hidden: [4], latent: 2, batch: 2 } });
    expect(vae.liveBuffers).toBeGreaterThan(10);
    vae.destroy();
    expect(vae.liveBuffers).toBe(0);
    await expect(vae.step(new Float32Array(16))).rejects.toThrow(/destroyed/);
    vae.destroy(); // twice is harmless
  });

  it('rejects bad step inputs with the numbers in the message', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config: { inputSize: 8, hidden: [4], latent: 2, batch: 3 } });
    await expect(vae.step(new Float32Array(24), 0)).rejects.toThrow('count=0 must be in [1, 3]');
    await expect(vae.step(new Float32Array(24), 4)).rejects.toThrow('count=4 must be in [1, 3]');
    await expect(vae.step(new Float32Array(10), 2)).rejects.toThrow('x has 10 values, need count*inputSize = 2*8');
    expect(() => vae.setNoise(new Float32Array(6))).toThrow(/draws noise on the GPU/);
    vae.destroy();
    await expect(Vae.create({ device, config: { hidden: [0] } })).rejects.toThrow('config: hidden must be a whole number from 1 to 65536, got 0');
    await expect(Vae.create({ device, config: { batch: 2.5 } })).rejects.toThrow('config: batch must be a whole number from 1 to 65536, got 2.5');
    await expect(Vae.create({ device, adam: { lr: -1 } })).rejects.toThrow('config: lr must be a number > 0, got -1');
    // Sizes beyond the device's limits fail before any allocation, naming the size.
    const before = device.limits.maxStorageBufferBindingSize;
    await expect(Vae.create({ device, config: { inputSize: 1 << 14, hidden: [65536] } })).rejects.toThrow(
      new RegExp(`^config: the parameters need [0-9.]+ MiB \\(largest layer enc1 16384x65536\\), more than this device's storage binding limit of ${(Math.min(before, device.limits.maxBufferSize) / 2 ** 20).toFixed(1)} MiB$`),
    );
    await expect(Vae.create({ device, config: { inputSize: 1 << 20, hidden: [4], latent: 2, batch: 512 } })).rejects.toThrow(
      /^config: batch 512 x input 1048576 needs 2048\.0 MiB, more than this device's storage binding limit of [0-9.]+ MiB; lower the batch size$/,
    );
  });

  it('evaluates a data set as the reference does, without touching training state', async () => {
    const { device } = await testGpu();
    const cfg = resolveConfig({ inputSize: 8, hidden: [4], latent: 2, batch: 3 });
    const vae = await Vae.create({ device, config: cfg, noise: 'buffer' });
    const x = Float32Array.from(seededUniform(24, 9, 0, 1));
    const eps = Float32Array.from(seededUniform(6, 10, -2, 2));
    vae.setNoise(eps);
    await vae.step(x);
    const before = await vae.readParameters();
    // Seven rows in batches of 3, 3, 1 (the same rows each time here): the last one partial.
    const r = await vae.evaluate([3, 3, 1], x);
    const ref = toRefParams(before);
    const full = vaeForward(ref, cfg, x, eps, 3).loss;
    const one = vaeForward(ref, cfg, x, eps, 1).loss;
    expect(r.count).toBe(7);
    // f32 sums of a few dozen terms: 1e-5 relative.
    const want = 2 * (full.reconSum + full.klSum) + one.reconSum + one.klSum;
    expect(Math.abs(r.recon + r.kl - want) / want, `${r.recon + r.kl} vs ${want}`).toBeLessThan(1e-5);
    expect(Math.abs(r.loss - want / 7)).toBeLessThan(1e-5 * want);
    expect(await vae.readParameters()).toEqual(before);
    expect(vae.steps).toBe(1);
    vae.destroy();
  });
});
