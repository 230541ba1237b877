// 2,000 training steps on a small model: the JS heap and the set of GPU buffers stay flat.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { Vae } from '../src/vae/vae.js';
import { seededUniform } from './util/data.js';
import { testGpu } from './util/gpu.js';

// A garbage collector to call, without a command-line flag for the test worker.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('2,000 steps allocate no GPU buffers and do not grow the heap', async () => {
  const { device } = await testGpu();
  const vae = await Vae.create({ device, config: { inputSize: 16, hidden: [8], latent: 2, batch: 8 } });
  const x = Float32Array.from(seededUniform(8 * 16, 3, 0, 1));
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await vae.step(x);
      // Losses are collected as they come back: drain them as a training loop does.
      if (i % 100 === 99) await vae.losses();
    }
    await vae.losses();
  };
  await run(200); // warm-up: pipelines, staging buffers, JIT
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const buffers0 = vae.liveBuffers;
  await run(2000);
  gc();
  const grown = process.memoryUsage().heapUsed - heap0;
  console.log(`soak: heap ${(grown / 1024).toFixed(0)} KiB after 2,000 steps, ${vae.liveBuffers} GPU buffers before and after`);
  expect(vae.steps).toBe(2200);
  expect(vae.liveBuffers).toBe(buffers0);
  // A leak of even 1 KiB per step would show as 2 MB; allow 1 MB of noise from the runtime.
  expect(grown, `heap grew by ${(grown / 1024).toFixed(0)} KiB over 2,000 steps`).toBeLessThan(1 << 20);
  vae.destroy();
  expect(vae.liveBuffers).toBe(0);
});
