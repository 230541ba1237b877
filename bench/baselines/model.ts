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

/** One convolution of the conv VAE, in PyTorch's terms, with its output size. */
export interface ConvShape {
  cin: number;
  cout: number;
  k: number;
  stride: number;
  padding: number;
  outputPadding: number;
  h: number;
  w: number;
  ho: number;
  wo: number;
}

/**
 * The conv VAE's layers (src/model/describe.ts describes the same): the encoder's convolutions, the
 * flattened size and the (C, H, W) shape at the bottom, and the decoder's transposed
 * convolutions, last one giving the logits.
 */
export function convShapes(cfg: VaeConfig): { encoder: ConvShape[]; flat: number; bottom: [number, number, number]; decoder: ConvShape[] } {
  const [c0, h0, w0] = cfg.inputShape;
  const encoder: ConvShape[] = [];
  let [c, h, w] = [c0, h0, w0];
  for (const cout of cfg.channels) {
    encoder.push({ cin: c, cout, k: 3, stride: 2, padding: 1, outputPadding: 0, h, w, ho: Math.ceil(h / 2), wo: Math.ceil(w / 2) });
    [c, h, w] = [cout, Math.ceil(h / 2), Math.ceil(w / 2)];
  }
  const bottom: [number, number, number] = [c, h, w];
  const decoder: ConvShape[] = [];
  for (const cout of [...cfg.channels].reverse()) {
    decoder.push({ cin: c, cout, k: 3, stride: 2, padding: 1, outputPadding: 1, h, w, ho: 2 * h, wo: 2 * w });
    [c, h, w] = [cout, 2 * h, 2 * w];
  }
  decoder.push({ cin: c, cout: c0, k: 3, stride: 1, padding: 1, outputPadding: 0, h, w, ho: h, wo: w });
  return { encoder, flat: bottom[0] * bottom[1] * bottom[2], bottom, decoder };
}
