/**
 * `webgpu-vae train`: trains a VAE on the embedded digits or an IDX folder, with a progress bar
 * (or JSON lines), a test-set evaluation after every epoch and at the end.
 */
import { dirname } from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { configName, fromCheckpointTensors, saveCheckpoint } from '../checkpoint/checkpoint.js';
import { dataMetadata, storageOf } from '../checkpoint/data_metadata.js';
import { decodeSafetensors } from '../checkpoint/safetensors.js';
import { isTrainState, loadTrainState, saveTrainState, trainStatePath, type TrainState } from '../checkpoint/train_state.js';
import { fingerprint, shapeOf, type AnyDataset } from '../data/dataset.js';
import { checkDataFits } from '../data/fit.js';
import { checkBernoulliRange, scalingFromMetadata } from '../data/normalize.js';
import { corruptionText, DEFAULT_ADAM, DEFAULT_CONFIG, DEFAULT_CONV, describeObjective, resolveAdam, resolveConfig, type VaeConfig } from '../config.js';
import { SHORTHANDS, shorthandClash } from '../model/shorthand.js';
import type { ParameterSet } from '../model/init.js';
import { parseSpec, resolveSpec, SpecError, type ModelSpec } from '../model/spec.js';
import { SHORTHAND_SETTINGS, TRAIN_SETTINGS, type SettingValue } from '../settings.js';
import { writeFileAtomic } from '../node/atomic.js';
import { requestNodeGpu } from '../node/gpu.js';
import { nodeTraining } from './node_training.js';
import { Trainer, vaeTask, type VaeEvaluation } from '../runtime/trainer.js';
import { Vae, type TrainingState } from '../vae/vae.js';
import { UsageError, givenFlags, parseFlags, settingFlag, settingOptions, settingValues } from './args.js';
import { ProgressBar } from './progress.js';
import { ANOMALY_DRAWS, readTrainingData, thresholdOf, TRAIN_DATA_OPTIONS, trainDataFlags } from './train_data.js';

/** Options of a training run, already parsed and checked: the table's training settings (src/settings.ts TRAIN_SETTINGS). */
export type TrainOptions = { [K in (typeof TRAIN_SETTINGS)[number]]: SettingValue<K> } & { json: boolean };

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
  /** Denoising runs: the test loss of corrupted inputs scored against the clean ones. */
  test_loss_corrupted?: number;
}

/** How a training run ended: its last report (null if interrupted before any) and the last good state. */
export interface TrainingOutcome {
  final: EpochReport | null;
  state: TrainingState;
  interrupted: boolean;
  /** The model at the end: another object than the one first built if the device was lost. */
  vae: Vae;
}

/**
 * Runs `trainer` through its planned epochs (at most `maxSteps` steps), turning its events into
 * reports: `emit` receives one per epoch and a final one (the test loss averaged over 4 noise
 * draws), `log` the notices, `bar` the progress. `stop()` is polled after every step (Ctrl-C):
 * the run then ends at once with the last good state and no further evaluation.
 */
export async function runTraining(
  trainer: Trainer<Vae, VaeEvaluation>,
  o: { epochs: number; maxSteps: number | null },
  emit: (r: EpochReport) => void,
  bar: ProgressBar | null,
  log: (s: string) => void = () => undefined,
  stop: () => boolean = () => false,
): Promise<TrainingOutcome> {
  trainer.epochs = trainer.epochsDone + o.epochs;
  let last: EpochReport | null = null;
  let trainMs = 0;
  let samples = 0;
  let steps = 0;
  trainer.events = {
    epoch: (e) => {
      trainMs += e.ms;
      samples += e.samples;
      steps += e.steps;
      bar?.done();
      const test = e.evaluation;
      last = {
        epoch: e.epoch, step: e.step, train_loss: e.trainLoss, test_loss: test.loss, recon: test.recon / test.count, kl: test.kl / test.count,
        ms_per_step: e.ms / e.steps, samples_per_s: (e.samples / e.ms) * 1000,
        ...(test.corrupted ? { test_loss_corrupted: test.corrupted.loss } : {}),
      };
      emit(last);
    },
    notice: (n) => {
      bar?.done();
      if (n.kind === 'rollback') {
        log(`step ${n.badStep}: the loss is not finite or exploded; rolled back to step ${n.toStep}, skipping the batches since (${n.failures} in a row)`);
      } else {
        log(`GPU device lost (${n.reason})${n.message ? `: ${n.message}` : ''}; continuing on a new device from step ${n.toStep} (recovery ${n.recoveries})`);
      }
    },
  };
  const ended = await trainer.run({
    maxSteps: o.maxSteps ?? undefined,
    shouldStop: stop,
    between: async () => {
      const p = trainer.progress();
      bar?.update({
        epoch: p.epoch, epochs: p.epochs, step: p.step, totalSteps: Math.min(p.totalSteps, o.maxSteps ?? Infinity), loss: p.loss, samplesPerS: p.samplesPerS, etaSeconds: p.etaS,
      });
    },
  });
  bar?.done();
  const interrupted = ended === 'stopped';
  const state = await trainer.snapshot();
  const end = last as EpochReport | null;
  if (interrupted || !end) return { final: null, state, interrupted, vae: trainer.model };
  // The final figure averages the test loss over several noise draws (single-draw noise ~0.1 nats).
  const draws: VaeEvaluation[] = [];
  for (let i = 0; i < 4; i++) draws.push(await trainer.evaluate());
  const mean = (f: (r: VaeEvaluation) => number) => draws.reduce((s, r) => s + f(r), 0) / draws.length;
  const final: EpochReport = {
    ...end, final: true, test_loss: mean((r) => r.loss), recon: mean((r) => r.recon / r.count), kl: mean((r) => r.kl / r.count),
    ms_per_step: trainMs / steps, samples_per_s: (samples / trainMs) * 1000, n_test: draws[0].count,
    ...(draws[0].corrupted ? { test_loss_corrupted: mean((r) => r.corrupted!.loss) } : {}),
  };
  emit(final);
  return { final, state, interrupted: false, vae: trainer.model };
}

/** The defaults of `train`'s settings: the reference model, with a shorthand's own sizes (--arch conv: keras-io's). */
export function trainDefaults(arch: 'mlp' | 'conv'): TrainOptions {
  const own = SHORTHANDS[arch].defaults;
  return {
    epochs: 10, maxSteps: 0, batch: DEFAULT_CONFIG.batch, arch, hidden: [...DEFAULT_CONFIG.hidden], channels: [...(own.channels ?? DEFAULT_CONV.channels)],
    dense: own.dense ?? DEFAULT_CONV.dense, latent: own.latent ?? DEFAULT_CONFIG.latent, lr: DEFAULT_ADAM.lr, seed: 1, beta: 1, klWarmup: 0, kind: DEFAULT_CONFIG.kind,
    likelihood: DEFAULT_CONFIG.likelihood, sigma: DEFAULT_CONFIG.sigma, corrupt: null, json: false,
  };
}

/** What a spec holds itself: its flags are refused beside --spec (the spec is the one place the model is described). */
const SPEC_HOLDS = [...SHORTHAND_SETTINGS, 'kind', 'likelihood', 'sigma'] as const;

/** A model spec from a JSON file, checked (one line naming the layer and the numbers) before any data or GPU work. */
export function readSpecFile(path: string): ModelSpec {
  if (!existsSync(path)) throw new UsageError(`--spec ${path}: no such file`);
  const doc = parseSpec(readFileSync(path, 'utf8'), `--spec ${path}`);
  try {
    resolveSpec(doc, (doc as ModelSpec | null)?.family === 'graph' ? { input: [1] } : {});
  } catch (e) {
    if (e instanceof SpecError) throw new Error(`--spec ${path}: ${e.message}`);
    throw e;
  }
  return doc as ModelSpec;
}

/** Parses `train` flags; every value is checked (against the one table in src/settings.ts) before any data or GPU work starts. */
export function parseTrain(args: string[]) {
  const parsed = parseFlags('train', args, {
    ...settingOptions(TRAIN_SETTINGS), ...TRAIN_DATA_OPTIONS, save: { type: 'string' }, json: { type: 'boolean' }, resume: { type: 'string' }, spec: { type: 'string' },
    init: { type: 'string' },
  });
  const flags = parsed as Record<string, string | boolean | undefined>;
  // Setting flags are strings (settingOptions); --json and the data's flag rules are booleans.
  const f = parsed as Record<string, string | undefined> & { json?: boolean };
  if (f.spec !== undefined) {
    const clash = givenFlags(SPEC_HOLDS, flags);
    if (clash.length > 0) throw new UsageError(`--spec and ${clash.join(', ')} together: the spec describes the model (layers, latent, kind, likelihood, sigma); the training settings (--lr, --batch, --beta, ...) apply to any spec`);
    if (f.resume !== undefined) throw new UsageError('--spec and --resume together: a resumed run keeps its model (its spec is in the training state)');
  }
  if (f.init !== undefined && f.resume !== undefined) throw new UsageError('--init and --resume together: a resumed run continues from its own parameters');
  const arch = settingFlag('arch', 'arch', f.arch, 'mlp');
  const clash = shorthandClash(arch, (k) => f[k] !== undefined);
  if (clash) throw new UsageError(clash);
  const kind = settingFlag('kind', 'kind', f.kind, DEFAULT_CONFIG.kind);
  if (kind === 'ae' && (f.beta !== undefined || f['kl-warmup'] !== undefined)) {
    throw new UsageError(`--${f.beta !== undefined ? 'beta' : 'kl-warmup'} weights the KL term, which --kind ae (the autoencoder) does not have`);
  }
  const likelihood = settingFlag('likelihood', 'likelihood', f.likelihood, DEFAULT_CONFIG.likelihood);
  if (likelihood !== 'gaussian' && f.sigma !== undefined) throw new UsageError('--sigma is the Gaussian decoder\'s; add --likelihood gaussian');
  const save = f.save ?? null;
  if (save !== null) {
    if (!save.endsWith('.safetensors')) throw new UsageError(`--save ${save}: the file name must end in .safetensors`);
    const dir = dirname(save);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--save ${save}: folder ${dir} does not exist`);
  }
  const data = trainDataFlags(flags);
  const spec = f.spec === undefined ? null : readSpecFile(f.spec);
  if (spec?.family === 'graph') throw new UsageError(`--spec ${f.spec}: a graph spec (family graph); train it with 'webgpu-vae graph train --spec'`);
  return {
    ...settingValues(TRAIN_SETTINGS, flags, trainDefaults(arch)),
    json: f.json ?? false,
    data,
    save,
    resume: f.resume ?? null,
    init: f.init ?? null,
    spec,
    given: new Set(Object.keys(f).filter((k) => f[k as keyof typeof f] !== undefined)),
  };
}

/** A run `--resume FILE` continues: FILE is a training state, or a model file with its state beside it. */
function readResume(path: string): { s: TrainState; from: string } {
  if (!existsSync(path)) throw new Error(`--resume ${path}: no such file`);
  const bytes = readFileSync(path);
  const { metadata } = decodeSafetensors(bytes, path);
  if (isTrainState(metadata)) return { s: loadTrainState(bytes, path), from: path };
  const from = trainStatePath(path);
  if (!existsSync(from)) throw new Error(`--resume ${path}: a model file without its training state (${from} is missing; train --save writes both)`);
  return { s: loadTrainState(readFileSync(from), from), from };
}

/** The data must be the run's, and flags given must agree with it (one line otherwise). */
function checkResume(o: ReturnType<typeof parseTrain>, { s, from }: { s: TrainState; from: string }, train: AnyDataset): void {
  const here = fingerprint(train);
  if (here !== s.data) {
    throw new Error(`--resume ${from}: the run trained on other data (${s.dataName || 'unnamed'}, fingerprint ${s.data}); ${train.name} has fingerprint ${here}`);
  }
  const c = s.config;
  const agree: [string, unknown, unknown][] = [
    ['arch', o.arch, c.arch], ['hidden', o.hidden.join(','), c.hidden.join(',')], ['channels', o.channels?.join(','), c.channels.join(',')], ['dense', o.dense, c.dense],
    ['latent', o.latent, c.latent], ['batch', o.batch, c.batch], ['kind', o.kind, c.kind],
    ['likelihood', o.likelihood, c.likelihood], ['sigma', o.sigma, c.sigma], ['corrupt', corruptionText(o.corrupt ?? null), corruptionText(c.corrupt)],
    ['lr', o.lr, s.adam.lr], ['seed', o.seed, s.seed], ['beta', o.beta, s.beta], ['kl-warmup', o.klWarmup, s.klWarmup],
    ['normalize', o.data.normalize, s.dataMetadata?.normalize ?? 'pixel'],
  ];
  for (const [flag, given, resumed] of agree) {
    if (o.given.has(flag) && given !== resumed) {
      throw new Error(`--${flag} ${given} does not match the run being resumed (${flag} ${resumed} in ${from})`);
    }
  }
}

/** `--init FILE`: a checkpoint's parameters for the model of `config` (the same tensors and shapes, or one line naming the first that differs). */
function readInit(path: string, config: VaeConfig): ParameterSet {
  if (!existsSync(path)) throw new Error(`--init ${path}: no such file`);
  return fromCheckpointTensors(decodeSafetensors(readFileSync(path), path).tensors, config, `--init ${path}`);
}

/** `webgpu-vae train ...` */
export async function trainCommand(args: string[]): Promise<void> {
  const o = parseTrain(args);
  const resume = o.resume ? readResume(o.resume) : null;
  const resumed = resume?.s ?? null;
  // A resumed run splits one set by its own seed and keeps the scaling it was fitted with.
  const data = await readTrainingData(o.data, resumed?.seed ?? o.seed, resume ? scalingFromMetadata(resume.s.dataMetadata ?? {}, resume.from) : null);
  if (resume) checkResume(o, resume, data.train);
  const shape = shapeOf(data.train);
  const config = resumed?.config ?? (o.spec
    ? resolveConfig({ spec: o.spec, batch: o.batch, corrupt: o.corrupt })
    : resolveConfig({
      inputShape: [...shape], arch: o.arch, hidden: o.hidden, channels: o.channels, dense: o.dense, latent: o.latent, batch: o.batch,
      kind: o.kind, likelihood: o.likelihood, sigma: o.sigma, corrupt: o.corrupt,
    }));
  checkDataFits(config, data.train);
  const rows = shape.length === 1 ? 'rows' : 'images';
  if (config.batch > data.train.count) throw new Error(`--batch ${config.batch} is larger than the ${data.train.count} training ${rows}`);
  if (config.likelihood === 'bernoulli') checkBernoulliRange(data.train);
  const init = o.init ? readInit(o.init, config) : null;
  const adam = resumed?.adam ?? resolveAdam({ lr: o.lr });
  const seed = resumed?.seed ?? o.seed;
  const kl = resumed ? { beta: resumed.beta, klWarmup: resumed.klWarmup } : { beta: o.beta ?? 1, klWarmup: o.klWarmup ?? 0 };
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // Every check passed: say what was read (stderr's first line), then start the GPU.
  log(data.notice);
  const gpu = await requestNodeGpu();
  // Losses every 2 steps keep the progress display current and the GPU queue short (6 steps).
  const build = (device: GPUDevice, state: TrainingState | null) => Vae.create({
    config, adam, seed, device, readbackEvery: 2, ...kl, ...(state ? { state } : init ? { parameters: init } : {}),
  });
  const vae = await build(gpu.device, resumed?.state ?? null);
  if (!o.json) {
    log(`adapter: ${gpu.description}; kernels: ${vae.linearVariant}`);
    log(`model: ${configName(config)}, ${describeObjective(config)}, batch ${config.batch}, ${vae.dispatchesPerStep} dispatches per step; data: ${data.train.name} (${data.train.count}) / ${data.test.name} (${data.test.count})`);
    if (resumed) log(`resuming at step ${resumed.state.step}: epoch ${resumed.epochsDone + 1}${resumed.epochStep ? `, its step ${resumed.epochStep + 1}` : ''}`);
  }
  const emit = (r: EpochReport) => {
    if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      const corrupted = r.test_loss_corrupted === undefined ? '' : `, corrupted inputs ${r.test_loss_corrupted.toFixed(2)}`;
      if (r.final) log(`final: test loss ${r.test_loss.toFixed(2)} nats/${rows.slice(0, -1)} (recon ${r.recon.toFixed(2)}, KL ${r.kl.toFixed(2)}${corrupted}) after ${r.step} steps, ${r.ms_per_step.toFixed(1)} ms/step`);
      else log(`epoch ${r.epoch}: train ${r.train_loss.toFixed(2)}  test ${r.test_loss.toFixed(2)}${corrupted}  (${r.ms_per_step.toFixed(1)} ms/step, ${Math.round(r.samples_per_s)} ${rows === 'rows' ? 'rows' : 'img'}/s)`);
    }
  };
  // Ctrl-C: finish the step in hand, save the last good state (with --save) and exit 130.
  const host = nodeTraining(gpu.device, 'step', log);
  const trainer = await Trainer.create(vae, vaeTask(data, config.batch, seed), {
    build,
    newDevice: host.newDevice,
    epochsDone: resumed?.epochsDone,
    epochStep: resumed?.epochStep,
  });
  try {
    const out = await runTraining(trainer, { epochs: o.epochs, maxSteps: o.given.has('max-steps') ? o.maxSteps : null }, emit, o.json ? null : new ProgressBar(process.stderr), log, host.stopRequested);
    if (o.save) {
      // An anomaly detector's threshold, from its training rows' scores (a pass over them: only
      // with --normal-label, and not when interrupted: Ctrl-C wants out).
      const threshold = out.interrupted || o.data.normalLabel === null ? null : await thresholdOf(out.vae, data.train, config.kind === 'ae' ? 1 : ANOMALY_DRAWS);
      const dataMeta = dataMetadata({ scaling: data.scaling, storage: storageOf(data.train), threshold, normalLabel: o.data.normalLabel });
      // The training state first, then the model: a model file always has its state beside it.
      const statePath = trainStatePath(o.save);
      writeFileAtomic(statePath, saveTrainState({
        state: out.state, config, adam, seed, ...kl, epochsDone: trainer.epochsDone, epochStep: trainer.epochStep,
        data: fingerprint(data.train), dataName: data.train.name, dataMetadata: dataMeta,
      }));
      const loss = out.final?.test_loss;
      writeFileAtomic(o.save, saveCheckpoint(out.state.params, config, { seed, step: out.state.step, ...(loss === undefined ? {} : { loss }), ...dataMeta }));
      log(`saved ${o.save} (step ${out.state.step}) and its training state ${statePath}`);
    } else if (out.interrupted) {
      log('no --save given: nothing saved');
    }
    if (out.interrupted) process.exitCode = 130;
  } finally {
    trainer.destroy();
    host.close();
  }
}
