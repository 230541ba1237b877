/**
 * Scaling of stored values into model inputs (`--normalize`), fitted on the training split and
 * kept in a checkpoint's metadata so that every later command (and the page) computes the same
 * inputs and can turn reconstructions back into the data's own units.
 *
 *   input = (stored - shift[g]) / scale[g]        stored = input * scale[g] + shift[g]
 *
 * where g is the element's group: `global` (one pair for everything), `channel` (one pair per
 * image channel, as torchvision's Normalize) or `feature` (one pair per column, as
 * scikit-learn's MinMaxScaler and StandardScaler). Modes:
 *   pixel     shift 0, scale 255, global: bytes to [0, 1] (the default for 8-bit data)
 *   none      shift 0, scale 1, global: stored values as they are (the default for real values)
 *   minmax    shift = min, scale = max - min of the training split, per channel or feature
 *   standard  shift = mean, scale = population standard deviation (ddof 0, as StandardScaler)
 * A group whose training values are all equal gets scale 1 (as scikit-learn does), so constant
 * columns map to 0 instead of dividing by zero.
 */
import { elementScaling, isFeatureRows, pixelsOf, shapeOf, type AnyDataset, type Dataset, type Labels } from './dataset.js';
import { NORMALIZE_MODES, parseNormalizeMode, SCALING_KEYS, type NormalizeMode } from './options.js';

export { NORMALIZE_MODES, parseNormalizeMode, SCALING_KEYS, type NormalizeMode };

/** A fitted scaling. `shift` and `scale` hold one number per group (see the module comment). */
export interface Scaling {
  mode: NormalizeMode | 'pixel';
  per: 'global' | 'channel' | 'feature';
  shift: number[];
  scale: number[];
}

/** The default of a data set: pixel/255 for 8-bit values, none for real values. */
export function defaultScaling(ds: AnyDataset): Scaling {
  return ds.values ? { mode: 'none', per: 'global', shift: [0], scale: [1] } : { mode: 'pixel', per: 'global', shift: [0], scale: [255] };
}

/**
 * The scaling of `mode` fitted on the training split (the default of its storage when `mode`
 * is undefined). Statistics in float64 over every stored value of every training row.
 */
export function fitScaling(train: AnyDataset, mode?: NormalizeMode): Scaling {
  if (mode === undefined) return defaultScaling(train);
  if (mode === 'none') return { mode, per: 'global', shift: [0], scale: [1] };
  const shape = shapeOf(train);
  const per = isFeatureRows(train) ? 'feature' : 'channel';
  const groups = shape[0]; // features, or channels
  const plane = per === 'feature' ? 1 : shape[1] * shape[2];
  const p = pixelsOf(train);
  const stored = train.values ?? train.images;
  const a = new Float64Array(groups).fill(mode === 'minmax' ? Infinity : 0);
  const b = new Float64Array(groups).fill(mode === 'minmax' ? -Infinity : 0);
  // minmax: a = min, b = max. standard: a = sum, then mean; b = sum of squared deviations (a second pass, exact for large means).
  for (let r = 0; r < train.count; r++) {
    for (let i = 0; i < p; i++) {
      const v = stored[r * p + i];
      const g = Math.floor(i / plane);
      if (mode === 'minmax') {
        if (v < a[g]) a[g] = v;
        if (v > b[g]) b[g] = v;
      } else a[g] += v;
    }
  }
  const n = train.count * plane;
  if (mode === 'standard') {
    for (let g = 0; g < groups; g++) a[g] /= n;
    for (let r = 0; r < train.count; r++) {
      for (let i = 0; i < p; i++) {
        const g = Math.floor(i / plane);
        const d = stored[r * p + i] - a[g];
        b[g] += d * d;
      }
    }
  }
  const shift: number[] = [];
  const scale: number[] = [];
  for (let g = 0; g < groups; g++) {
    const spread = mode === 'minmax' ? b[g] - a[g] : Math.sqrt(b[g] / n);
    shift.push(a[g]);
    scale.push(spread > 0 && Number.isFinite(spread) ? spread : 1);
  }
  return { mode, per, shift, scale };
}

/** True when `s` is what the data set's storage does without a scaling (pixel/255 for bytes, none for values). */
function isImplicit(ds: AnyDataset, s: Scaling): boolean {
  const d = defaultScaling(ds);
  return s.per === 'global' && s.shift[0] === d.shift[0] && s.scale[0] === d.scale[0];
}

/**
 * The data set with `s` attached (fillBatch and orderedBatches apply it). The implicit default
 * is attached as no scaling, so MNIST-like data batch through their original path.
 */
export function withScaling<L extends Labels>(ds: Dataset<L>, s: Scaling): Dataset<L> {
  checkScalingShape(s, shapeOf(ds), ds.name);
  return { ...ds, scaling: isImplicit(ds, s) ? null : s };
}

/** The scaling that turns `ds`'s stored values into its inputs (its own, or its storage's default). */
export function scalingOf(ds: AnyDataset): Scaling {
  return ds.scaling ?? defaultScaling(ds);
}

/** Throws one line when `s` has the wrong number of groups for rows of `shape`. */
export function checkScalingShape(s: Scaling, shape: readonly number[], where: string): void {
  const want = s.per === 'global' ? 1 : s.per === 'channel' ? (shape.length === 3 ? shape[0] : NaN) : shape.length === 1 ? shape[0] : NaN;
  if (!(s.shift.length === want && s.scale.length === want)) {
    const kind = s.per === 'global' ? 'one' : s.per === 'channel' ? 'one per channel of an image' : 'one per feature of a row';
    throw new Error(`${where}: the ${s.mode} scaling has ${s.shift.length} groups (${kind}), but rows are ${shape.join('x')}`);
  }
}

/** Model inputs (count rows of `shape`) back in the data's units: input * scale + shift. */
export function unscale(inputs: Float32Array, s: Scaling, shape: readonly number[]): Float32Array {
  const { shift, scale } = elementScaling(s, shape);
  const p = shift.length;
  const out = new Float32Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) out[i] = inputs[i] * scale[i % p] + shift[i % p];
  return out;
}

/** Smallest and largest model input of a data set (after its scaling). */
export function inputRange(ds: AnyDataset): { min: number; max: number } {
  const { shift, scale } = elementScaling(scalingOf(ds), shapeOf(ds));
  const p = shift.length;
  const stored = ds.values ?? ds.images;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < ds.count * p; i++) {
    const x = (stored[i] - shift[i % p]) / scale[i % p];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * The Bernoulli decoder models each input as a probability in [0, 1]: refuses training data
 * whose inputs fall outside, with the range found and the two ways out.
 */
export function checkBernoulliRange(train: AnyDataset): void {
  const { min, max } = inputRange(train);
  if (min < 0 || max > 1) {
    const s = scalingOf(train);
    throw new Error(
      `${train.name}: inputs span [${fmt(min)}, ${fmt(max)}] after --normalize ${s.mode}, but the Bernoulli decoder needs [0, 1]: use --likelihood gaussian or --normalize minmax`,
    );
  }
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** A scaling as checkpoint metadata (strings; the numbers as JSON arrays, which round-trip doubles exactly). */
export function scalingToMetadata(s: Scaling): Record<string, string> {
  return { [SCALING_KEYS.mode]: s.mode, [SCALING_KEYS.per]: s.per, [SCALING_KEYS.shift]: JSON.stringify(s.shift), [SCALING_KEYS.scale]: JSON.stringify(s.scale) };
}

/**
 * The scaling a checkpoint's metadata records, or null when it records none (a checkpoint from
 * before scalings existed: its data were bytes / 255). Throws one line naming a bad key.
 */
export function scalingFromMetadata(meta: Record<string, string>, name: string): Scaling | null {
  const mode = meta[SCALING_KEYS.mode];
  if (mode === undefined) return null;
  if (![...NORMALIZE_MODES, 'pixel'].includes(mode)) throw new Error(`${name}: metadata "${SCALING_KEYS.mode}" is ${JSON.stringify(mode)}, must be pixel, ${NORMALIZE_MODES.join(', ')}`);
  const per = meta[SCALING_KEYS.per];
  if (per !== 'global' && per !== 'channel' && per !== 'feature') throw new Error(`${name}: metadata "${SCALING_KEYS.per}" is ${JSON.stringify(per)}, must be global, channel or feature`);
  const numbers = (key: string, positive: boolean): number[] => {
    const text = meta[key];
    let v: unknown;
    try {
      v = JSON.parse(text ?? '');
    } catch {
      v = undefined;
    }
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
      throw new Error(`${name}: metadata "${key}" is ${JSON.stringify(text)}, must be a JSON array of finite numbers${positive ? ' > 0' : ''}`);
    }
    return v as number[];
  };
  const shift = numbers(SCALING_KEYS.shift, false);
  const scale = numbers(SCALING_KEYS.scale, true);
  if (shift.length !== scale.length) throw new Error(`${name}: metadata holds ${shift.length} shifts but ${scale.length} scales`);
  if (per === 'global' && shift.length !== 1) throw new Error(`${name}: a global scaling has one shift and scale, metadata holds ${shift.length}`);
  return { mode: mode as Scaling['mode'], per, shift, scale };
}
