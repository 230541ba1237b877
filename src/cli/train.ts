/**
 * `webgpu-vae train`: trains a VAE on the embedded digits or an IDX folder, with a progress bar
 * (or JSON lines), a test-set evaluation after every epoch and at the end.
 */
import { dirname } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { saveCheckpoint } from '../checkpoint/checkpoint.js';
import { describeObjective, resolveAdam, resolveConfig, SIGMA_RANGE, type Likelihood, type ModelKind } from '../config.js';
import { epochBatches, orderedBatches } from '../data/dataset.js';
import type { Split } from '../data/mnist.js';
import { writeFileAtomic } from '../node/atomic.js';
import { loadData } from '../node/data.js';
import { requestNodeGpu } from '../node/gpu.js';
import { DivergenceGuard, type GuardEvent } from '../guard.js';
import { Vae, type EvalResult, type StepLoss, type TrainingState } from '../vae.js';
import { UsageError, intFlag, nonNegativeFlag, parseFlags, positiveFlag } from './args.js';
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
  /** KL weight (beta-VAE) and warm-up steps. */
  beta?: number;
  klWarmup?: number;
  /** VAE or plain autoencoder, decoder likelihood and the Gaussian's sigma. */
  kind?: ModelKind;
  likelihood?: Likelihood;
  sigma?: number;
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

/** How a training run ended: its last report (null if interrupted before any) and the last good state. */
export interface TrainingOutcome {
  final: EpochReport | null;
  state: TrainingState;
  interrupted: boolean;
  /** The model at the end: another object than the one passed in if the device was lost. */
  vae?: Vae;
}

/**
 * Runs the training loop under a divergence guard; `emit` receives each report, `log` notices
 * (rollbacks). `stop()` is polled after every step (Ctrl-C): the run then ends at once with the
 * last good state and no further evaluation.
 */
export async function runTraining(
  first: Vae,
  data: Split,
  o: TrainOptions,
  emit: (r: EpochReport) => void,
  bar: ProgressBar | null,
  log: (s: string) => void = () => undefined,
  stop: () => boolean = () => false,
  recreate: ((state: TrainingState) => Promise<Vae>) | null = null,
): Promise<TrainingOutcome> {
  let vae = first;
  const { batch, inputSize } = vae.config;
  const x = new Float32Array(batch * inputSize);
  const stepsPerEpoch = Math.ceil(data.train.count / batch);
  const totalSteps = Math.min(o.maxSteps ?? Infinity, stepsPerEpoch * o.epochs);
  const guard = new DivergenceGuard(vae);
  // Steps are submitted ahead of the GPU, so progress counts the steps whose losses came back.
  let recent: number | null = null;
  let doneSamples = 0;
  let epochRecords: StepLoss[] = [];
  const onLosses = (l: StepLoss[]) => {
    for (const r of l) doneSamples += r.count;
    epochRecords.push(...l);
    if (l.length > 0) recent = l[l.length - 1].loss;
  };
  vae.onLosses = onLosses;
  // Device loss (driver reset, GPU process crash): rebuild on a new device from the guard's last
  // good state, losing at most `guard.every` steps, then carry on with the next batch.
  let recoveries = 0;
  const recover = async (e: unknown): Promise<void> => {
    const state = guard.state;
    if (!vae.lost || !recreate || !state || recoveries >= 5) throw e;
    recoveries++;
    bar?.done();
    log(`${(e as Error).message}; continuing on a new device from step ${state.step} (recovery ${recoveries})`);
    vae.destroy();
    vae = await recreate(state);
    vae.onLosses = onLosses;
    guard.attach(vae);
    epochRecords = epochRecords.filter((r) => r.step <= state.step);
  };
  /** Runs `f`, recovering from a lost device (then `f` is not retried: its batch is skipped). */
  const guarded = async <T>(f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      await recover(e);
      return null;
    }
  };
  const onGuard = (e: GuardEvent | null) => {
    if (e?.kind !== 'rollback') return;
    epochRecords = epochRecords.filter((r) => r.step <= e.toStep);
    bar?.done();
    log(`step ${e.badStep}: the loss is not finite or exploded; rolled back to step ${e.toStep}, skipping the batches since (${e.failures} in a row)`);
  };
  onGuard(await guard.checkpoint());
  let consumed = 0;
  let trainMs = 0;
  let samples = 0;
  let last: EpochReport | null = null;
  let interrupted = false;
  const evaluateTest = (): Promise<EvalResult> => vae.evaluate(orderedBatches(data.test, batch, x), x);
  for (let epoch = 1; epoch <= o.epochs && consumed < totalSteps && !interrupted; epoch++) {
    const started = performance.now();
    const firstStep = vae.steps;
    epochRecords = [];
    for (const count of epochBatches(data.train, batch, o.seed, epoch, x)) {
      if (consumed >= totalSteps) break;
      consumed++;
      onGuard(await guarded(async () => (await vae.step(x, count), guard.afterStep())));
      const elapsed = (trainMs + performance.now() - started) / 1000;
      const rate = doneSamples / Math.max(elapsed, 1e-9);
      const done = epochRecords.length > 0 ? epochRecords[epochRecords.length - 1].step : firstStep;
      bar?.update({
        epoch, epochs: o.epochs, step: done, totalSteps, loss: recent, samplesPerS: rate,
        etaSeconds: rate > 0 ? ((totalSteps - done) * batch) / rate : NaN,
      });
      if (stop()) {
        interrupted = true;
        break;
      }
    }
    // Drain this epoch's losses and keep a good state (twice if the device was lost meanwhile).
    onGuard((await guarded(() => guard.checkpoint())) ?? (await guard.checkpoint()));
    const ms = performance.now() - started;
    trainMs += ms;
    const epochSamples = epochRecords.reduce((s, l) => s + l.count, 0);
    samples += epochSamples;
    bar?.done();
    if (interrupted || epochRecords.length === 0) break;
    const sum = epochRecords.reduce((s, l) => s + l.recon + l.kl, 0);
    const test = (await guarded(evaluateTest)) ?? (await evaluateTest());
    last = {
      epoch, step: vae.steps, train_loss: sum / epochSamples, test_loss: test.loss, recon: test.recon / test.count, kl: test.kl / test.count,
      ms_per_step: ms / epochRecords.length, samples_per_s: (epochSamples / ms) * 1000,
    };
    emit(last);
  }
  const state = (await guarded(() => vae.snapshot())) ?? guard.state!;
  if (interrupted || !last) return { final: null, state, interrupted, vae };
  // The final figure averages the test loss over several noise draws (single-draw noise ~0.1 nats).
  const draws: EvalResult[] = [];
  for (let i = 0; i < 4; i++) draws.push((await guarded(evaluateTest)) ?? (await evaluateTest()));
  const mean = (f: (r: EvalResult) => number) => draws.reduce((s, r) => s + f(r), 0) / draws.length;
  const final: EpochReport = {
    ...last, final: true, test_loss: mean((r) => r.loss), recon: mean((r) => r.recon / r.count), kl: mean((r) => r.kl / r.count),
    ms_per_step: trainMs / vae.steps, samples_per_s: (samples / trainMs) * 1000, n_test: data.test.count,
  };
  emit(final);
  return { final, state, interrupted: false, vae };
}

/** Parses `train` flags; every value is checked before any data or GPU work starts. */
export function parseTrain(args: string[]): TrainOptions & { data: string | null; save: string | null } {
  const f = parseFlags('train', args, {
    data: { type: 'string' }, epochs: { type: 'string' }, 'max-steps': { type: 'string' }, batch: { type: 'string' },
    hidden: { type: 'string' }, latent: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' },
    save: { type: 'string' }, json: { type: 'boolean' }, beta: { type: 'string' }, 'kl-warmup': { type: 'string' },
    kind: { type: 'string' }, likelihood: { type: 'string' }, sigma: { type: 'string' },
  });
  const kind = f.kind ?? 'vae';
  if (kind !== 'vae' && kind !== 'ae') throw new UsageError(`--kind must be vae or ae, got '${kind}'`);
  if (kind === 'ae' && (f.beta !== undefined || f['kl-warmup'] !== undefined)) {
    throw new UsageError(`--${f.beta !== undefined ? 'beta' : 'kl-warmup'} weights the KL term, which --kind ae (the autoencoder) does not have`);
  }
  const likelihood = f.likelihood ?? 'bernoulli';
  if (likelihood !== 'bernoulli' && likelihood !== 'gaussian') throw new UsageError(`--likelihood must be bernoulli or gaussian, got '${likelihood}'`);
  if (likelihood !== 'gaussian' && f.sigma !== undefined) throw new UsageError('--sigma is the Gaussian decoder\'s; add --likelihood gaussian');
  const sigma = positiveFlag('sigma', f.sigma, 0.1);
  if (sigma < SIGMA_RANGE[0] || sigma > SIGMA_RANGE[1]) throw new UsageError(`--sigma must be in [${SIGMA_RANGE.join(', ')}], got '${f.sigma}'`);
  const hidden = (f.hidden ?? '400').split(',').map((h) => intFlag('hidden', h.trim(), 0, 1, 65536));
  const save = f.save ?? null;
  if (save !== null) {
    if (!save.endsWith('.safetensors')) throw new UsageError(`--save ${save}: the file name must end in .safetensors`);
    const dir = dirname(save);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--save ${save}: folder ${dir} does not exist`);
  }
  return {
    data: f.data ?? null,
    save,
    epochs: intFlag('epochs', f.epochs, 10, 1, 100000),
    maxSteps: f['max-steps'] === undefined ? null : intFlag('max-steps', f['max-steps'], 0, 1),
    batch: intFlag('batch', f.batch, 128, 1, 65536),
    hidden,
    latent: intFlag('latent', f.latent, 20, 1, 4096),
    lr: positiveFlag('lr', f.lr, 1e-3),
    seed: intFlag('seed', f.seed, 1, 0, 0xffffffff),
    json: f.json ?? false,
    beta: nonNegativeFlag('beta', f.beta, 1),
    klWarmup: intFlag('kl-warmup', f['kl-warmup'], 0, 0),
    kind,
    likelihood,
    sigma,
  };
}

/** `webgpu-vae train ...` */
export async function trainCommand(args: string[]): Promise<void> {
  const o = parseTrain(args);
  const data = await loadData(o.data);
  const inputSize = data.train.rows * data.train.cols;
  const config = resolveConfig({ inputSize, hidden: o.hidden, latent: o.latent, batch: o.batch, kind: o.kind, likelihood: o.likelihood, sigma: o.sigma });
  if (config.batch > data.train.count) throw new Error(`--batch ${config.batch} is larger than the ${data.train.count} training images`);
  const gpu = await requestNodeGpu();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // Losses every 2 steps keep the progress display current and the GPU queue short (6 steps).
  const objective = { beta: o.beta, klWarmup: o.klWarmup };
  const vae = await Vae.create({ config, adam: resolveAdam({ lr: o.lr }), seed: o.seed, device: gpu.device, readbackEvery: 2, ...objective });
  if (!o.json) {
    log(`adapter: ${gpu.description}; kernels: ${vae.linearVariant}`);
    log(`model: ${inputSize}-${config.hidden.join('-')}-${config.latent}, ${describeObjective(config)}, batch ${config.batch}; data: ${data.train.name} (${data.train.count}) / ${data.test.name} (${data.test.count})`);
  }
  const emit = (r: EpochReport) => {
    if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else if (r.final) log(`final: test loss ${r.test_loss.toFixed(2)} nats/image (recon ${r.recon.toFixed(2)}, KL ${r.kl.toFixed(2)}) after ${r.step} steps, ${r.ms_per_step.toFixed(1)} ms/step`);
    else log(`epoch ${r.epoch}: train ${r.train_loss.toFixed(2)}  test ${r.test_loss.toFixed(2)}  (${r.ms_per_step.toFixed(1)} ms/step, ${Math.round(r.samples_per_s)} img/s)`);
  };
  const devices = [gpu.device];
  // Ctrl-C: finish the step in hand, save the last good state (with --save) and exit 130.
  // A second Ctrl-C exits at once.
  let stopRequested = false;
  const onSigint = () => {
    stopRequested = true;
    log('interrupted: stopping after this step (Ctrl-C again to quit at once)');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    const recreate = async (state: TrainingState) => {
      const fresh = await requestNodeGpu();
      devices.push(fresh.device);
      return Vae.create({ config, adam: resolveAdam({ lr: o.lr }), seed: o.seed, device: fresh.device, readbackEvery: 2, state, ...objective });
    };
    const out = await runTraining(vae, data, o, emit, o.json ? null : new ProgressBar(process.stderr), log, () => stopRequested, recreate);
    if (out.vae && out.vae !== vae) out.vae.destroy();
    if (o.save) {
      const loss = out.final?.test_loss;
      writeFileAtomic(o.save, saveCheckpoint(out.state.params, config, { seed: o.seed, step: out.state.step, ...(loss === undefined ? {} : { loss }) }));
      log(`saved ${o.save} (step ${out.state.step})`);
    } else if (out.interrupted) {
      log('no --save given: nothing saved');
    }
    if (out.interrupted) process.exitCode = 130;
  } finally {
    process.removeListener('SIGINT', onSigint);
    vae.destroy();
    for (const d of devices) d.destroy();
  }
}
