/**
 * `webgpu-vae train`: trains a VAE on the embedded digits or an IDX folder, with a progress bar
 * (or JSON lines), a test-set evaluation after every epoch and at the end.
 */
import { epochBatches, orderedBatches } from '../data/dataset.js';
import type { Split } from '../data/mnist.js';
import { Vae, type EvalResult, type StepLoss } from '../vae.js';
import { ProgressBar } from './progress.js';

/** Options of a training run, already parsed and checked. */
export interface TrainOptions {
  epochs: number;
  maxSteps: number | null;
  batch: number;
  hidden: number[];
  latent: number;
  lr: number;
  seed: number;
  json: boolean;
}

/** One line of the JSON report (one per epoch, then a final one). */
export interface EpochReport {
  epoch: number;
  step: number;
  train_loss: number;
  test_loss: number;
  recon: number;
  kl: number;
  ms_per_step: number;
  samples_per_s: number;
  final?: boolean;
  n_test?: number;
}

/** Runs the training loop; `emit` receives each report, `log` human-readable lines. */
export async function runTraining(
  vae: Vae,
  data: Split,
  o: TrainOptions,
  emit: (r: EpochReport) => void,
  bar: ProgressBar | null,
): Promise<EpochReport> {
  const { batch, inputSize } = vae.config;
  const x = new Float32Array(batch * inputSize);
  const stepsPerEpoch = Math.ceil(data.train.count / batch);
  const totalSteps = Math.min(o.maxSteps ?? Infinity, stepsPerEpoch * o.epochs);
  let recent: number | null = null;
  vae.onLosses = (l: StepLoss[]) => {
    if (l.length > 0) recent = l[l.length - 1].loss;
  };
  let step = 0;
  let trainMs = 0;
  let samples = 0;
  let last: EpochReport | null = null;
  const evaluateTest = (): Promise<EvalResult> => vae.evaluate(orderedBatches(data.test, batch, x), x);
  for (let epoch = 1; epoch <= o.epochs && step < totalSteps; epoch++) {
    const started = performance.now();
    let epochSamples = 0;
    for (const count of epochBatches(data.train, batch, o.seed, epoch, x)) {
      if (step >= totalSteps) break;
      await vae.step(x, count);
      step++;
      epochSamples += count;
      const elapsed = (trainMs + performance.now() - started) / 1000;
      const rate = (samples + epochSamples) / Math.max(elapsed, 1e-9);
      bar?.update({
        epoch, epochs: o.epochs, step, totalSteps, loss: recent, samplesPerS: rate, etaSeconds: ((totalSteps - step) * batch) / rate,
      });
    }
    const losses = await vae.losses(); // waits for this epoch's last steps
    const ms = performance.now() - started;
    trainMs += ms;
    samples += epochSamples;
    const sum = losses.reduce((s, l) => s + l.recon + l.kl, 0);
    const n = losses.reduce((s, l) => s + l.count, 0);
    const test = await evaluateTest();
    last = {
      epoch, step, train_loss: sum / n, test_loss: test.loss, recon: test.recon / test.count, kl: test.kl / test.count,
      ms_per_step: ms / Math.max(1, losses.length), samples_per_s: (epochSamples / ms) * 1000,
    };
    bar?.done();
    emit(last);
  }
  if (!last) throw new Error('no training step was run');
  // The final figure averages the test loss over several noise draws (single-draw noise ~0.1 nats).
  const draws: EvalResult[] = [];
  for (let i = 0; i < 4; i++) draws.push(await evaluateTest());
  const mean = (f: (r: EvalResult) => number) => draws.reduce((s, r) => s + f(r), 0) / draws.length;
  const final: EpochReport = {
    ...last, final: true, test_loss: mean((r) => r.loss), recon: mean((r) => r.recon / r.count), kl: mean((r) => r.kl / r.count),
    ms_per_step: trainMs / step, samples_per_s: (samples / trainMs) * 1000, n_test: data.test.count,
  };
  emit(final);
  return final;
}
