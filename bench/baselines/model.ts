/**
 * What the baselines share: the model's layer widths as a framework user would write them (the
 * PyTorch example's fc1, fc21, fc22, fc3, fc4 generalised to any hidden list), the timing
 * loop's shape, and PyTorch's nn.Linear initialisation bound.
 */
import type { VaeConfig } from '../../src/config.js';
import type { BaselineRecord } from '../lib/report.js';

/** Warm-up (compilation) and timed steps of a baseline; SwiftShader makes them slow. */
export interface BaselineBudget {
  warmupSteps: number;
  timedSteps: number;
}

/** Everything a baseline gets from the suite. */
export interface BaselineContext {
  batches: Float32Array[];
  batch: number;
  cfg: VaeConfig;
  log: (s: string) => void;
  budget: BaselineBudget;
}

/** Dense layers of the encoder body and of the decoder, as [in, out] pairs. */
export function widths(cfg: VaeConfig): { encoder: [number, number][]; last: number; decoder: [number, number][] } {
  const encoder: [number, number][] = [];
  let w = cfg.inputSize;
  for (const h of cfg.hidden) {
    encoder.push([w, h]);
    w = h;
  }
  const decoder: [number, number][] = [];
  let d = cfg.latent;
  for (const h of [...cfg.hidden].reverse()) {
    decoder.push([d, h]);
    d = h;
  }
  decoder.push([d, cfg.inputSize]);
  return { encoder, last: w, decoder };
}

/** nn.Linear's bound: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)). */
export const initBound = (inSize: number) => 1 / Math.sqrt(inSize);

/**
 * Runs `step` for warm-up then timed steps and returns the record's timing fields. `step(i)`
 * starts step i and returns a function that waits for it and gives its summed loss; the timed
 * loop waits only for the last step, so nothing blocks in between.
 */
export async function timeSteps(
  ctx: BaselineContext,
  step: (i: number) => { wait: () => Promise<number>; drop: () => void },
): Promise<Pick<BaselineRecord, 'ms_per_step' | 'steps_timed' | 'warmup_steps' | 'first_loss' | 'last_loss' | 'batch'>> {
  const { warmupSteps, timedSteps } = ctx.budget;
  let first = NaN;
  for (let i = 0; i < warmupSteps; i++) {
    const t0 = performance.now();
    const loss = await step(i).wait();
    if (i === 0) first = loss / ctx.batch;
    ctx.log(`    warm-up step ${i + 1}: ${(performance.now() - t0).toFixed(0)} ms, loss ${(loss / ctx.batch).toFixed(1)}`);
  }
  const t0 = performance.now();
  let last: { wait: () => Promise<number>; drop: () => void } | null = null;
  for (let i = 0; i < timedSteps; i++) {
    last?.drop();
    last = step(warmupSteps + i);
  }
  const lastLoss = await last!.wait();
  const ms = (performance.now() - t0) / timedSteps;
  if (!Number.isFinite(lastLoss)) throw new Error(`loss is ${lastLoss} after ${warmupSteps + timedSteps} steps`);
  return { batch: ctx.batch, ms_per_step: ms, steps_timed: timedSteps, warmup_steps: warmupSteps, first_loss: first, last_loss: lastLoss / ctx.batch };
}
