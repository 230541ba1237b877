/**
 * The `webgpu-vae` command line: train, eval, sample, reconstruct, anomalies, latent, interpolate, denoise, export-data,
 * describe, and graph (the graph VAE: train, embed, latent). Runs on Node through the
 * `webgpu` package. Errors end the process with one line on stderr and exit code 1 (2 for usage).
 */
import './layers/all.js';
import { spawnSync } from 'node:child_process';
import { UsageError } from './cli/args.js';
import { denoiseCommand, evalCommand, reconstructCommand, sampleCommand } from './cli/model_commands.js';
import { anomaliesCommand } from './cli/anomalies.js';
import { interpolateCommand, latentCommand } from './cli/latent_commands.js';
import { GRAPH_USAGE, graphCommand } from './cli/graph.js';
import { trainCommand } from './cli/train.js';
import { describeCommand } from './cli/describe.js';
import { exportDataCommand } from './cli/data_commands.js';
import { nodeGpuEnvironment } from './node/environment.js';
import { settingHelp, TRAIN_DATA_SETTINGS, TRAIN_SETTINGS, type SettingName } from './settings.js';
import { DATA_HELP } from './cli/data.js';

const USAGE = `usage: webgpu-vae <command> [options]

Every command that reads data takes --data PATH and its options (default: the embedded 10k MNIST digits,
8,000 train / 2,000 test); the first line on stderr says what was read:
${DATA_HELP}

commands:
  train         train a VAE
${TRAIN_SETTINGS.map((k) => settingHelp(k, 16, 18)).join('\n')}
${TRAIN_DATA_SETTINGS.map((k) => settingHelp(k, 16, 18)).join('\n')}
                --spec FILE.json   the model as data (docs/spec.md) instead of --arch, --hidden, --channels, --dense,
                                   --latent, --kind, --likelihood and --sigma; the training settings apply to it
                --init FILE        start from a checkpoint's parameters (the same model; e.g. PyTorch's initialisation)
                --save FILE        write the trained model as .safetensors (with the data's scaling and the anomaly
                                   threshold) and its training state beside it as FILE.state.safetensors, atomically
                --resume FILE      continue a run saved with --save (FILE: the model or its .state.safetensors):
                                   parameters, Adam moments, step and the data order go on exactly;
                                   --epochs N trains N more epochs
                --json             one JSON object per epoch and a final one, instead of a progress bar
  eval          test-set loss of a saved model: --model FILE [--data PATH] [--n N] [--draws N] [--json]
                --iwae K           also the importance-weighted bound on log p(x) from K samples per row
                --corrupt SPEC     the loss of corrupted test rows scored against the clean ones
  sample        prior samples as a PNG grid (line panels for rows of values): --model FILE [--n 64] [--seed N] [--out FILE.png]
  reconstruct   test images and their reconstructions (rows of values: overlaid line panels):
                --model FILE [--data PATH] [--n 32] [--out FILE.png]
  anomalies     rank test rows by negative ELBO, most anomalous first, as a PNG (and JSON: top, every row):
                --model FILE [--data PATH] [--top 64] [--draws 4 | --iwae K] [--out FILE.png] [--json]
${['normalLabel', 'threshold'].map((k) => settingHelp(k as SettingName, 16, 18)).join('\n')}
  latent        posterior means of the first n test rows as a scatter coloured by label (PCA when the
                latent size is above 2); for a 2-D latent space of images the decoded manifold beside it:
                --model FILE [--data PATH] [--n 2000] [--out latent.png] [--json]
  interpolate   test row I, the decoded path between the posterior means of I and J, and test row J, in one row:
                --model FILE [--data PATH] --from I --to J [--steps 10] [--path linear|spherical] [--out interp.png]
  denoise       clean test rows, their corrupted copies and the reconstructions of those:
                --model FILE [--data PATH] [--corrupt SPEC] [--n 16] [--out denoise.png]
  describe      a model's layers, shapes and parameter counts as a table, and its spec with --json:
                --spec FILE.json | --model FILE | the shorthands (--arch, --hidden, --channels, --dense, --latent)
                [--features N] (a graph spec's node features; default Cora's 1433) [--json]
  export-data   the data's train / test split as files: IDX for 8-bit images (4-dimensional for several channels),
                .npy otherwise: --out DIR [--data PATH] [--seed N] [--gzip]
${GRAPH_USAGE}`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  train: trainCommand,
  eval: evalCommand,
  sample: sampleCommand,
  reconstruct: reconstructCommand,
  anomalies: anomaliesCommand,
  latent: latentCommand,
  interpolate: interpolateCommand,
  denoise: denoiseCommand,
  'export-data': exportDataCommand,
  describe: describeCommand,
  graph: graphCommand,
};

/** The commands that read data through --data PATH and its options. */
const DATA_COMMANDS = new Set(['train', 'eval', 'reconstruct', 'anomalies', 'latent', 'interpolate', 'denoise', 'export-data']);

const isHelp = (a: string | undefined) => a === '--help' || a === '-h';

/**
 * One command's part of the usage (`train --help`, `graph train --help`): its lines, from its
 * name to the next command's, and the data options when it reads data. Null for no such command.
 */
export function commandUsage(usage: string, words: string[]): string | null {
  const lines = usage.split('\n');
  const commands = lines.map((l, i) => [i, /^  (\S+(?: (?!-)\S+)?)\s{2,}/.exec(l)?.[1]] as const).filter(([, name]) => name !== undefined);
  const name = words.join(' ');
  const at = commands.findIndex(([, n]) => n === name);
  if (at < 0) return null;
  const from = commands[at][0];
  const to = at + 1 < commands.length ? commands[at + 1][0] : lines.length;
  const section = lines.slice(from, to).join('\n');
  const readsData = DATA_COMMANDS.has(name);
  const data = readsData ? `\n\ndata options (every command that reads data):\n${DATA_HELP}` : '';
  return `usage: webgpu-vae ${name} [options]\n\n${section}${data}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || isHelp(command) || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  // `train --help`, `graph train --help`: that command's usage.
  if (rest.some(isHelp)) {
    const words = [command, ...rest.filter((a) => !a.startsWith('-')).slice(0, command === 'graph' ? 1 : 0)];
    const text = commandUsage(USAGE, words);
    if (text === null) throw new UsageError(`unknown command '${words.join(' ')}'`);
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command '${command}'`);
  await run(rest);
  return Number(process.exitCode ?? 0); // e.g. 130 after Ctrl-C stopped training
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
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
