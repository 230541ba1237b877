/**
 * The `webgpu-vae` command line: `train` (more commands build on it). Runs on Node through the
 * `webgpu` package. Errors end the process with one line on stderr and exit code 1 (2 for usage).
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { resolveAdam, resolveConfig } from './config.js';
import { nodeGpuEnvironment } from './node/environment.js';
import { requestNodeGpu } from './node/gpu.js';
import { loadEmbedded, loadIdxFolder } from './node/data.js';
import { runTraining, type EpochReport, type TrainOptions } from './cli/train.js';
import { ProgressBar } from './cli/progress.js';
import { Vae } from './vae.js';

const USAGE = `usage: webgpu-vae <command> [options]

commands:
  train   train a VAE (default data: the embedded 10k MNIST digits, 8,000 train / 2,000 test)
          --data DIR         folder with train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz] (labels optional)
          --epochs N         passes over the training set (default 10)
          --max-steps N      stop after N steps (still evaluates the test set)
          --batch N          rows per step (default 128)
          --hidden A[,B..]   encoder hidden sizes, mirrored by the decoder (default 400)
          --latent N         latent size (default 20)
          --lr X             Adam learning rate (default 0.001)
          --seed N           initialisation, noise and shuffle seed (default 1)
          --json             one JSON object per epoch and a final one, instead of a progress bar`;

class UsageError extends Error {}

function int(name: string, v: string | undefined, dflt: number | null, min = 1): number | null {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be a whole number >= ${min}, got '${v}'`);
  return Number(v);
}

function parseTrain(args: string[]): TrainOptions & { data: string | null } {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      data: { type: 'string' }, epochs: { type: 'string' }, 'max-steps': { type: 'string' }, batch: { type: 'string' },
      hidden: { type: 'string' }, latent: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`train: unexpected argument '${positionals[0]}'`);
  const hidden = (values.hidden ?? '400').split(',').map((h) => int('hidden', h.trim(), null)!);
  const lr = values.lr === undefined ? 1e-3 : Number(values.lr);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new UsageError(`--lr must be a number > 0, got '${values.lr}'`);
  return {
    data: values.data ?? null,
    epochs: int('epochs', values.epochs, 10)!,
    maxSteps: int('max-steps', values['max-steps'], null),
    batch: int('batch', values.batch, 128)!,
    hidden,
    latent: int('latent', values.latent, 20)!,
    lr,
    seed: int('seed', values.seed, 1, 0)!,
    json: values.json ?? false,
  };
}

async function train(args: string[]): Promise<void> {
  const o = parseTrain(args);
  const data = o.data ? await loadIdxFolder(o.data) : await loadEmbedded();
  const inputSize = data.train.rows * data.train.cols;
  const config = resolveConfig({ inputSize, hidden: o.hidden, latent: o.latent, batch: o.batch });
  if (config.batch > data.train.count) throw new Error(`--batch ${config.batch} is larger than the ${data.train.count} training images`);
  const gpu = await requestNodeGpu();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const vae = await Vae.create({ config, adam: resolveAdam({ lr: o.lr }), seed: o.seed, device: gpu.device });
  if (!o.json) {
    log(`adapter: ${gpu.description}; kernels: ${vae.linearVariant}`);
    log(`model: ${inputSize}-${config.hidden.join('-')}-${config.latent}, batch ${config.batch}; data: ${data.train.name} (${data.train.count}) / ${data.test.name} (${data.test.count})`);
  }
  const emit = (r: EpochReport) => {
    if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else if (r.final) log(`final: test loss ${r.test_loss.toFixed(2)} nats/image (recon ${r.recon.toFixed(2)}, KL ${r.kl.toFixed(2)}) after ${r.step} steps, ${r.ms_per_step.toFixed(1)} ms/step`);
    else log(`epoch ${r.epoch}: train ${r.train_loss.toFixed(2)}  test ${r.test_loss.toFixed(2)}  (${r.ms_per_step.toFixed(1)} ms/step, ${Math.round(r.samples_per_s)} img/s)`);
  };
  try {
    await runTraining(vae, data, o, emit, o.json ? null : new ProgressBar(process.stderr));
  } finally {
    vae.destroy();
    gpu.device.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === 'train') {
    await train(rest);
    return 0;
  }
  throw new UsageError(`unknown command '${command}'`);
}

// The dynamic linker reads LD_LIBRARY_PATH only at start-up: when Chromium's Vulkan loader is
// needed, run again with it set (once; the child sees the variable and does not re-run).
const extra = nodeGpuEnvironment(process.env);
if (extra.LD_LIBRARY_PATH && !process.env.WEBGPU_VAE_REEXEC) {
  const r = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...extra, WEBGPU_VAE_REEXEC: '1' } });
  process.exit(r.status ?? 1);
}
Object.assign(process.env, extra);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`webgpu-vae: ${msg.split('\n')[0]}\n`);
    if (e instanceof UsageError) process.stderr.write("run 'webgpu-vae --help' for usage\n");
    process.exit(e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
  },
);
