/**
 * The architecture shorthands (`arch: 'mlp' | 'conv'` with `hidden`, `channels`, `dense` and
 * `latent`; CLI `--arch`, `--hidden`, ...; page `?arch=conv`) expanded into model specs: the one
 * place that knows the reference models by name. Everything else builds from the spec.
 *
 * The MLP (the PyTorch VAE example, examples/vae/main.py): linear layers with ReLU, the decoder
 * mirroring the encoder's widths, a linear output of the input's size. Its spec names are the
 * example's checkpoint names (fc1, fc3, fc4 with one hidden layer; encoder.{i}, decoder.{i}, fc4
 * otherwise; the head fc21 / fc22); its runtime names stay enc1.., dec1.., out, which its
 * parameter maps and dispatch labels have always used.
 *
 * The convolutional VAE (keras-io's, in PyTorch's terms; REFERENCE.md): for channels c1..cn on
 * (C, H, W) images
 *
 *   encoder  enc1..encn  Conv2d(c_{i-1} -> c_i, 3, stride 2, padding 1) + ReLU   (H, W halve each time)
 *            flatten, fc1 Linear(cn (H/2^n) (W/2^n) -> dense) + ReLU
 *   head     fc21, fc22  Linear(dense -> latent) each
 *   decoder  fc3         Linear(latent -> cn (H/2^n) (W/2^n)) + ReLU, reshape (cn, H/2^n, W/2^n)
 *            dec1..decn  ConvTranspose2d(3, stride 2, padding 1, output padding 1) + ReLU, doubling H and W:
 *                        cn -> cn, then c_{n-i+2} -> c_{n-i+1}
 *            dec{n+1}    ConvTranspose2d(c1 -> C, 3, stride 1, padding 1): the logits
 */
import type { VaeConfig } from '../config.js';
import type { SpecEntry } from '../layers/registry.js';
import { ConfigError, shown } from '../settings.js';
import type { ModelSpec } from './spec.js';

/** What a shorthand is expanded from: the architecture's settings (and, for the spec itself, the spec); the objective when known. */
export type ShorthandFields = Pick<VaeConfig, 'arch' | 'inputShape' | 'inputSize' | 'hidden' | 'channels' | 'dense' | 'latent'> &
  Partial<Pick<VaeConfig, 'spec' | 'kind' | 'likelihood' | 'sigma'>>;

/** A configuration's spec, and the runtime names of its layers where they are not the spec's. */
export interface ExpandedSpec {
  spec: ModelSpec;
  rename?: ReadonlyMap<string, string>;
}

/** The objective fields every spec shares with the configuration. */
function objective(cfg: ShorthandFields): Pick<ModelSpec, 'likelihood' | 'sigma' | 'kind'> {
  return { likelihood: cfg.likelihood ?? 'bernoulli', ...(cfg.likelihood === 'gaussian' ? { sigma: cfg.sigma } : {}), kind: cfg.kind ?? 'vae' };
}

const relu = (type: string, name: string, fields: Record<string, number>): SpecEntry => ({ type, name, ...fields, activation: 'relu' });

/** The MLP shorthand's spec (see the file comment). */
function mlpSpec(cfg: ShorthandFields): ExpandedSpec {
  const one = cfg.hidden.length === 1;
  const rename = new Map<string, string>();
  const image = cfg.inputShape.length === 3;
  const encoder: SpecEntry[] = image ? [{ type: 'flatten' }] : [];
  cfg.hidden.forEach((h, i) => {
    const name = one ? 'fc1' : `encoder.${i}`;
    rename.set(name, `enc${i + 1}`);
    encoder.push(relu('linear', name, { out: h }));
  });
  const decoder: SpecEntry[] = [];
  [...cfg.hidden].reverse().forEach((h, i) => {
    const name = one ? 'fc3' : `decoder.${i}`;
    rename.set(name, `dec${i + 1}`);
    decoder.push(relu('linear', name, { out: h }));
  });
  rename.set('fc4', 'out');
  decoder.push({ type: 'linear', name: 'fc4', out: cfg.inputSize });
  if (image) decoder.push({ type: 'reshape', shape: [...cfg.inputShape] });
  return { spec: { input: [...cfg.inputShape], latent: cfg.latent, encoder, head: { mu: 'fc21', logvar: 'fc22' }, decoder, ...objective(cfg) }, rename };
}

/** The conv shorthand's spec (see the file comment); resolveConfig checked that H and W are multiples of 2^n. */
function convSpec(cfg: ShorthandFields): ExpandedSpec {
  const [c0, h0, w0] = cfg.inputShape;
  const ch = cfg.channels;
  const n = ch.length;
  const conv = { kernel: 3, stride: 2, padding: 1 };
  const encoder: SpecEntry[] = ch.map((out, i) => relu('conv2d', `enc${i + 1}`, { out, ...conv }));
  const [c, h, w] = [ch[n - 1], h0 / 2 ** n, w0 / 2 ** n];
  encoder.push({ type: 'flatten' }, relu('linear', 'fc1', { out: cfg.dense }));
  const decoder: SpecEntry[] = [relu('linear', 'fc3', { out: c * h * w }), { type: 'reshape', shape: [c, h, w] }];
  for (let i = 1; i <= n; i++) decoder.push(relu('conv_transpose2d', `dec${i}`, { out: ch[n - i], ...conv, output_padding: 1 }));
  decoder.push({ type: 'conv_transpose2d', name: `dec${n + 1}`, out: c0, kernel: 3, stride: 1, padding: 1 });
  return { spec: { input: [...cfg.inputShape], latent: cfg.latent, encoder, head: { mu: 'fc21', logvar: 'fc22' }, decoder, ...objective(cfg) } };
}

/**
 * The graph VAE paper's model (Kipf & Welling 2016) as a spec: one hidden gcn layer with ReLU and
 * the gcn head, with PyTorch Geometric's example's names (conv1, conv_mu / conv_logstd; the GAE's
 * conv2). What `graph train --model vgae|gae --hidden N --latent N` builds.
 */
export function graphShorthand(kind: 'vgae' | 'gae', hidden: number, latent: number): ModelSpec {
  return {
    family: 'graph', latent, encoder: [relu('gcn', 'conv1', { out: hidden })],
    head: kind === 'vgae' ? { type: 'gcn', mu: 'conv_mu', logstd: 'conv_logstd' } : { type: 'gcn', mu: 'conv2' }, kind: kind === 'vgae' ? 'vae' : 'ae',
  };
}

/**
 * Checks that the convolutional VAE fits its input: an image whose height and width every
 * stride-2 convolution halves exactly, so that the decoder's transposed convolutions give back
 * the same size.
 */
function checkConvShape(inputShape: number[], channels: number[], given: boolean): void {
  if (inputShape.length !== 3) {
    throw new ConfigError('inputSize', `config: arch conv needs an image input shape [channels, height, width], got ${given ? shown(inputShape) : `inputSize ${inputShape[0]}`}`);
  }
  const n = channels.length;
  if (n === 0) throw new ConfigError('channels', 'config: arch conv needs at least one convolution in channels, got []');
  const [, h, w] = inputShape;
  const f = 2 ** n;
  if (h % f !== 0 || w % f !== 0) {
    throw new ConfigError('inputSize', `config: arch conv halves the image ${n} times (channels ${channels.join(',')}), so its height and width must be multiples of ${f}, got ${h}x${w}`);
  }
}

/** A shorthand's own sizes, settings and checks. */
export interface Shorthand {
  /** What it builds, for messages (`--hidden sizes the MLP's dense layers`). */
  what: string;
  /** Its own defaults over the configuration's (the conv VAE's: keras-io's sizes and MNIST's image). */
  defaults: Partial<Pick<VaeConfig, 'channels' | 'dense' | 'latent' | 'inputShape'>>;
  /** The size settings it takes (the others' are refused with it). */
  takes: readonly ('hidden' | 'channels' | 'dense')[];
  /** Checks the sizes against the input (`given`: the shape was given, not defaulted); throws a ConfigError. */
  check(inputShape: number[], cfg: Pick<VaeConfig, 'channels'>, given: boolean): void;
  expand(cfg: ShorthandFields): ExpandedSpec;
  /** Its keys in a checkpoint's metadata, as files before specs had them (an MLP's: no arch key). */
  record(cfg: Pick<VaeConfig, 'hidden' | 'channels' | 'dense'>): Record<string, string>;
  /** Its sizes back from metadata, read through the checkpoint reader's checked accessors. */
  read(m: { sizes(key: string, example: string, empty: boolean): number[]; int(key: string): number }): Partial<VaeConfig>;
}

/** The shorthands, by `arch`: the one place the reference models are known by name. */
export const SHORTHANDS: Record<'mlp' | 'conv', Shorthand> = {
  mlp: {
    what: "the MLP's dense layers", defaults: {}, takes: ['hidden'], check: () => undefined, expand: mlpSpec,
    record: (cfg) => ({ hidden: cfg.hidden.join(',') }),
    read: (m) => ({ hidden: m.sizes('hidden', '"400" or "512,256"', true) }),
  },
  conv: {
    what: 'the convolutional VAE', defaults: { channels: [32, 64], dense: 16, latent: 2, inputShape: [1, 28, 28] }, takes: ['channels', 'dense'],
    check: (shape, cfg, given) => checkConvShape(shape, cfg.channels, given), expand: convSpec,
    record: (cfg) => ({ arch: 'conv', channels: cfg.channels.join(','), dense: String(cfg.dense) }),
    read: (m) => ({ channels: m.sizes('channels', '"32,64"', false), dense: m.int('dense') }),
  },
};

/** The spec of a configuration: its own (`arch: 'spec'`) or its shorthand's. */
export function expandShorthand(cfg: ShorthandFields): ExpandedSpec {
  if (cfg.arch !== 'spec') return SHORTHANDS[cfg.arch].expand(cfg);
  if (!cfg.spec) throw new Error("config: arch 'spec' needs the spec itself (config.spec)");
  return { spec: cfg.spec };
}

/**
 * The one-line refusal of a shorthand's size flag given with another architecture
 * (`--hidden sizes the MLP's dense layers; --arch conv takes --channels and --dense`), or null.
 */
export function shorthandClash(arch: 'mlp' | 'conv', given: (setting: 'hidden' | 'channels' | 'dense') => boolean): string | null {
  for (const [owner, sh] of Object.entries(SHORTHANDS) as ['mlp' | 'conv', Shorthand][]) {
    if (owner === arch) continue;
    const flag = sh.takes.find((k) => given(k) && !SHORTHANDS[arch].takes.includes(k));
    if (!flag) continue;
    const mine = SHORTHANDS[arch].takes;
    return `--${flag} sizes ${sh.what}; ${arch === 'mlp' ? `add --arch ${owner}` : `--arch ${arch} takes ${mine.map((k) => `--${k}`).join(' and ')}`}`;
  }
  return null;
}
