/**
 * `webgpu-vae describe`: a model's layers, shapes and parameter counts as a table (as
 * torchsummary prints a PyTorch module), from a spec file, a checkpoint, or the architecture
 * shorthands (`--arch conv --channels 16,32`); `--json` prints the spec with its defaults written
 * out and the same rows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadCheckpoint } from '../checkpoint/checkpoint.js';
import { graphInfoFromMetadata } from '../checkpoint/graph_checkpoint.js';
import { decodeSafetensors } from '../checkpoint/safetensors.js';
import { resolveConfig } from '../config.js';
import { shorthandClash } from '../model/shorthand.js';
import { activationText } from '../layers/activation.js';
import { layerParameters, type LayerSpec } from '../layers/registry.js';
import { describeGraphModel, describeModel } from '../model/describe.js';
import { resolveSpec, type ModelDescription, type ModelSpec } from '../model/spec.js';
import { SHORTHAND_SETTINGS } from '../settings.js';
import { givenFlags, intFlag, parseFlags, settingFlag, settingOptions, settingValues, UsageError } from './args.js';
import { readSpecFile, trainDefaults } from './train.js';

/** The embedded Cora's feature width: a graph spec's input when no other is given. */
const CORA_FEATURES = 1433;

/** One row of the table. */
export interface DescribeRow {
  part: string;
  layer: string;
  type: string;
  input: number[];
  output: number[];
  activation: string;
  params: number;
}

const count = (l: LayerSpec | null) => (l ? layerParameters(l).reduce((s, p) => s + p.rows * p.cols, 0) : 0);

/** The rows of a resolved model: every spec entry (views included), the head named by its checkpoint halves. */
export function describeRows(m: ModelDescription): DescribeRow[] {
  return m.rows.map((r) => ({
    part: r.part,
    layer: r.part === 'head' ? [m.headNames.mu, m.headNames.second].filter((n) => n).join(' + ') : r.layer ? (m.fileNames.get(r.layer.name) ?? r.layer.name) : '',
    type: r.type,
    input: r.inShape,
    output: r.outShape,
    activation: r.layer ? activationText(r.layer.activation) : '',
    params: count(r.layer),
  }));
}

/** The table, aligned, with the totals under it. */
export function describeTable(m: ModelDescription): string {
  const rows = describeRows(m);
  const shape = (s: number[]) => `[${s.join(', ')}]`;
  const cells = [['part', 'layer (type)', 'input', 'output', 'activation', 'params'], ...rows.map((r) => [
    r.part, r.layer ? `${r.layer} (${r.type})` : r.type, shape(r.input), shape(r.output), r.activation === 'none' ? '' : r.activation, r.params.toLocaleString('en-US'),
  ])];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === row.length - 1 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  const total = rows.reduce((s, r) => s + r.params, 0);
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const kind = m.family === 'graph'
    ? `graph ${m.kind === 'vae' ? 'VAE (VGAE)' : 'autoencoder (GAE)'}, inner-product decoder`
    : `${m.kind === 'vae' ? 'VAE' : 'autoencoder'}, ${m.likelihood === 'bernoulli' ? 'Bernoulli decoder (logits)' : `Gaussian decoder (sigma ${m.sigma})`}`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line), rule,
    `${kind}; latent ${m.latent}; ${total.toLocaleString('en-US')} parameters (${((total * 4) / 1048576).toFixed(2)} MiB as f32)`].join('\n');
}

/** The model `describe` is asked about: a spec file, a checkpoint, or the shorthands. */
function modelOf(f: Record<string, string | undefined>, flags: Record<string, unknown>): ModelDescription {
  const features = intFlag('features', f.features, CORA_FEATURES, 1, 1 << 24);
  if (f.spec !== undefined) {
    const clash = givenFlags(SHORTHAND_SETTINGS, flags);
    if (clash.length > 0 || f.model !== undefined) throw new UsageError(`--spec and ${[...clash, ...(f.model ? ['--model'] : [])].join(', ')} together: describe one model`);
    const spec: ModelSpec = readSpecFile(f.spec);
    return resolveSpec(spec, spec.family === 'graph' ? { input: [features] } : {});
  }
  if (f.model !== undefined) {
    if (!existsSync(f.model)) throw new Error(`--model ${f.model}: no such file`);
    const bytes = readFileSync(f.model);
    const { metadata } = decodeSafetensors(bytes, f.model);
    if (metadata.arch === 'graph') return describeGraphModel(graphInfoFromMetadata(metadata, f.model).config);
    return describeModel(loadCheckpoint(bytes, f.model).config);
  }
  const arch = settingFlag('arch', 'arch', flags.arch as string | undefined, 'mlp');
  const clash = shorthandClash(arch, (k) => flags[k] !== undefined);
  if (clash) throw new UsageError(clash);
  return describeModel(resolveConfig(settingValues(SHORTHAND_SETTINGS, flags, trainDefaults(arch))));
}

/** `webgpu-vae describe [--spec FILE.json | --model FILE | --arch ... --hidden ...] [--features N] [--json]` */
export async function describeCommand(args: string[]): Promise<void> {
  const parsed = parseFlags('describe', args, {
    ...settingOptions(SHORTHAND_SETTINGS), spec: { type: 'string' }, model: { type: 'string' }, features: { type: 'string' }, json: { type: 'boolean' },
  });
  const f = parsed as Record<string, string | undefined> & { json?: boolean };
  const m = modelOf(f, parsed as Record<string, unknown>);
  if (f.json) {
    const rows = describeRows(m);
    process.stdout.write(`${JSON.stringify({ spec: m.spec, layers: rows, params: rows.reduce((s, r) => s + r.params, 0) })}\n`);
  } else {
    process.stdout.write(`${describeTable(m)}\n`);
    if (m.family === 'graph' && f.spec !== undefined && f.features === undefined) process.stdout.write(`(node features: ${CORA_FEATURES}, the embedded Cora's; --features N for other data)\n`);
  }
}
