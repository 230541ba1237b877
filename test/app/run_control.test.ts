// The page sessions' shared loop control (src/app/run_control.ts), with a stand-in device: one
// loop at a time, pause waits for it, errors sorted by class, a loss while idle recovered.
import { describe, expect, it } from 'vitest';
import { RunControl } from '../../src/app/run_control.js';
import { DeviceLostError, DivergedError } from '../../src/runtime/errors.js';

/** A device whose loss the test triggers. */
function fakeDevice() {
  let lose!: (info: GPUDeviceLostInfo) => void;
  const lost = new Promise<GPUDeviceLostInfo>((r) => { lose = r; });
  return { device: { lost, destroy: () => undefined } as unknown as GPUDevice, lose: () => lose({ reason: 'destroyed', message: 'Device was destroyed.' } as GPUDeviceLostInfo) };
}

function control(opts: { trainer?: () => { recoverIfLost(): Promise<unknown> } | null; open?: () => Promise<GPUDevice> } = {}) {
  const seen = { notices: [] as string[], fatal: [] as string[], diverged: [] as string[], failed: [] as string[] };
  const first = fakeDevice();
  const c = new RunControl(first.device, opts.open ?? (async () => fakeDevice().device), {
    trainer: opts.trainer ?? (() => null),
    notice: (m) => seen.notices.push(m),
    fatal: (m) => seen.fatal.push(m),
    advice: 'Try again.',
  });
  const handlers = { diverged: (e: DivergedError) => void seen.diverged.push(e.message), failed: (m: string) => void seen.failed.push(m) };
  return { c, seen, handlers, lose: first.lose };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('RunControl', () => {
  it('starts one loop at a time; pause stops it and waits; prepare returning false starts nothing', async () => {
    const { c, handlers } = control();
    let steps = 0;
    const loop = () => c.guarded(async () => {
      while (c.running) {
        steps++;
        await tick();
      }
    }, handlers);
    let loops = 0;
    await c.start(async () => false, async () => { loops++; });
    expect(loops).toBe(0);
    await c.start(async () => true, () => { loops++; return loop(); });
    expect(c.running).toBe(true);
    await c.start(async () => true, () => { loops++; return loop(); }); // already running: ignored
    expect(loops).toBe(1);
    await tick();
    await c.pause();
    expect(c.running).toBe(false);
    const after = steps;
    await tick();
    expect(steps).toBe(after);
    expect(steps).toBeGreaterThan(0);
  });

  it('sorts a loop\'s errors by class: divergence, a device not replaced (fatal), anything else', async () => {
    const { c, seen, handlers } = control();
    await c.guarded(async () => { throw new DivergedError(7, 0.5, 'loss exploded at step 7'); }, handlers);
    await c.guarded(async () => { throw new DeviceLostError('destroyed', 'no adapter'); }, handlers);
    await c.guarded(async () => { throw new Error('shader failed'); }, handlers);
    expect(seen.diverged).toEqual(['loss exploded at step 7']);
    expect(seen.fatal).toEqual(['no adapter, so training stopped. Reload the page to start again. Try again.']);
    expect(seen.failed).toEqual(['shader failed']);
    // After a fatal error, other errors are not reported and nothing starts.
    c.fail();
    await c.guarded(async () => { throw new Error('later'); }, handlers);
    expect(seen.failed).toEqual(['shader failed']);
    let started = false;
    await c.start(async () => true, async () => { started = true; });
    expect(started).toBe(false);
  });

  it('a device lost while idle: the trainer recovers in place, or without a model a new device and a notice', async () => {
    let recovered = 0;
    const withModel = control({ trainer: () => ({ recoverIfLost: async () => { recovered++; } }) });
    withModel.lose();
    await tick();
    await withModel.c.exclusive(async () => undefined);
    expect(recovered).toBe(1);
    expect(withModel.seen.notices).toEqual([]);

    const bare = control();
    const before = bare.c.gpu.device;
    bare.lose();
    await tick();
    await bare.c.exclusive(async () => undefined);
    expect(bare.c.gpu.device).not.toBe(before);
    expect(bare.seen.notices).toEqual(['GPU device lost (destroyed: Device was destroyed); continuing on a new device']);

    const none = control({ open: async () => { throw new DeviceLostError('unknown', 'no WebGPU adapter is left'); } });
    none.lose();
    await tick();
    await none.c.exclusive(async () => undefined);
    expect(none.seen.fatal).toEqual(['no WebGPU adapter is left, so training stopped. Reload the page to start again. Try again.']);
  });
});
