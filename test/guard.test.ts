// Training state snapshots and the divergence guard: exact resumption, rollback on a planted
// NaN, and a clear stop when failures repeat.
import { describe, expect, it } from 'vitest';
import { DivergenceGuard } from '../src/runtime/guard.js';
import { Vae } from '../src/vae/vae.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

const config = { inputSize: 12, hidden: [8], latent: 2, batch: 4 };
const batch = (seed: number) => Float32Array.from(seededUniform(4 * 12, seed, 0, 1));

describe('snapshot and restore', () => {
  it('resuming from a snapshot repeats the same losses and parameters bit for bit', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config, readbackEvery: 1 });
    for (let s = 1; s <= 3; s++) await vae.step(batch(s));
    const state = await vae.snapshot();
    expect(state.step).toBe(3);
    await vae.step(batch(4));
    await vae.step(batch(5));
    const first = await vae.losses();
    const params = await vae.readParameters();
    await vae.restore(state);
    expect(vae.steps).toBe(3);
    await vae.step(batch(4));
    await vae.step(batch(5));
    const again = await vae.losses();
    expect(again.map((l) => l.step)).toEqual([4, 5]);
    expect(again).toEqual(first.slice(-2));
    expect(await vae.readParameters()).toEqual(params);
    // A new model created from the snapshot continues identically too (noise is keyed by step).
    const other = await Vae.create({ device, config, state });
    await other.step(batch(4));
    await other.step(batch(5));
    expect(await other.losses()).toEqual(first.slice(-2));
    expect(await other.readParameters()).toEqual(params);
    vae.destroy();
    other.destroy();
  });
});

describe('divergence guard', () => {
  it('rolls back a planted NaN batch and keeps training', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config, readbackEvery: 1 });
    const guard = new DivergenceGuard(vae, { every: 2 });
    await guard.checkpoint();
    for (let s = 1; s <= 4; s++) {
      await vae.step(batch(s));
      await guard.afterStep();
    }
    const good = (await guard.checkpoint())!;
    expect(good).toEqual({ kind: 'snapshot', step: 4 });
    const poisoned = batch(5);
    poisoned[7] = NaN;
    await vae.step(poisoned);
    await vae.step(batch(6));
    const event = await guard.checkpoint();
    expect(event).toEqual({ kind: 'rollback', badStep: 5, toStep: 4, failures: 1 });
    expect(vae.steps).toBe(4);
    const params = await vae.readParameters();
    for (const [name, t] of params) expect(t.every(Number.isFinite), `${name} finite after rollback`).toBe(true);
    await vae.step(batch(7));
    const after = await vae.losses();
    expect(after.map((l) => l.step)).toEqual([5]);
    expect(Number.isFinite(after[0].loss)).toBe(true);
    expect(await guard.checkpoint()).toEqual({ kind: 'snapshot', step: 5 });
    vae.destroy();
  });

  it('stops with a clear message when the loss stays non-finite', async () => {
    const { device } = await testGpu();
    const vae = await Vae.create({ device, config, readbackEvery: 1 });
    const guard = new DivergenceGuard(vae, { every: 5, maxFailures: 2 });
    await vae.step(batch(1));
    await guard.checkpoint();
    const poisoned = batch(2).fill(NaN);
    await vae.step(poisoned);
    expect((await guard.checkpoint())?.kind).toBe('rollback');
    await vae.step(poisoned);
    expect((await guard.checkpoint())?.kind).toBe('rollback');
    await vae.step(poisoned);
    await expect(guard.checkpoint()).rejects.toThrow('training diverged: the loss of step 2 is not finite or exploded after 2 rollbacks to step 1; lower the learning rate (lr=0.001)');
    vae.destroy();
  });
});
