/**
 * The data side of `train`: `--data` in any format with `--normalize` fitted on the training
 * rows, `--normal-label L` (the rows of label L are normal: an anomaly detector's data) and
 * `--train-normal-only` (training keeps those rows alone, the test rows keep every label, as
 * TensorFlow's autoencoder tutorial does), and the anomaly threshold computed after training
 * from the training rows' scores (src/data/anomaly_metrics.ts), kept in the checkpoint.
 */
import { resolveNormalLabel, trainingThreshold } from '../data/anomaly_metrics.js';
import { subset, type AnyDataset } from '../data/dataset.js';
import type { LoadedData } from '../data/load.js';
import { fitScaling, withScaling, type NormalizeMode, type Scaling } from '../data/normalize.js';
import { gatherRows } from '../data/split.js';
import { TRAIN_DATA_SETTINGS } from '../settings.js';
import { anomalyScores } from '../vae/toolkit.js';
import type { Vae } from '../vae/vae.js';
import { settingOptions, settingValues, UsageError } from './args.js';
import { DATA_OPTIONS, dataFlags, readData, type DataFlags } from './data.js';
import { firstRows } from './model_data.js';
import { TaskProgress } from './progress.js';

/** parseArgs options of train's data flags. */
export const TRAIN_DATA_OPTIONS = { ...DATA_OPTIONS, ...settingOptions(TRAIN_DATA_SETTINGS) };

/** How `train` reads its data. */
export interface TrainDataFlags {
  data: DataFlags;
  /** --normalize; undefined: the data's default (pixel/255 for bytes, none for real values). */
  normalize: NormalizeMode | undefined;
  normalLabel: string | null;
  trainNormalOnly: boolean;
}

/** train's data flags from parsed flags, checked before anything is read. */
export function trainDataFlags(flags: Record<string, unknown>): TrainDataFlags {
  const data = dataFlags(flags);
  if (data.split === 'all') throw new UsageError('--split all makes every row a test row: train needs training rows (it scores new data with a trained model in eval, anomalies, ...)');
  const v = settingValues(['normalLabel', 'trainNormalOnly'], flags, { normalLabel: '', trainNormalOnly: false });
  if (v.trainNormalOnly && !v.normalLabel) throw new UsageError('--train-normal-only needs --normal-label L: the label of the rows to train on');
  const normalize = flags.normalize === undefined ? undefined : settingValues(['normalize'], flags, { normalize: 'none' }).normalize;
  return { data, normalize, normalLabel: v.normalLabel || null, trainNormalOnly: v.trainNormalOnly };
}

/** The data of a training run: both parts, the scaling they carry and the line that says so. */
export interface TrainingData {
  train: AnyDataset;
  test: AnyDataset;
  scaling: Scaling;
  notice: string;
}

/**
 * Reads the training data: `scaling` (a resumed run's) applied as it is, else --normalize fitted
 * on the rows training uses (the normal rows alone with --train-normal-only).
 */
export async function readTrainingData(t: TrainDataFlags, seed: number, scaling: Scaling | null = null): Promise<TrainingData> {
  const got: LoadedData = await readData(t.data, { seed, ...(scaling ? { scaling } : t.trainNormalOnly ? {} : { normalize: t.normalize }) });
  let train = got.train!;
  let notice = got.notice;
  if (t.normalLabel !== null) {
    if (!train.labels) throw new Error(`--normal-label ${t.normalLabel}: ${train.name} has no labels${got.format === 'csv' ? ' (name the column with --label-column)' : ''}`);
    const label = resolveNormalLabel(t.normalLabel, train.labels, train.classNames);
    if (t.trainNormalOnly) {
      const keep = Uint32Array.from(Array.from(train.labels.keys()).filter((i) => train.labels![i] === label));
      train = gatherRows(train, keep, `${train.name} (label ${t.normalLabel} only)`);
      const only = `training on the ${train.count} rows of label ${t.normalLabel} (--train-normal-only)`;
      if (!scaling) {
        // The scaling is fitted on the rows training sees.
        const s = fitScaling(train, t.normalize);
        notice = notice.replace(/; inputs [^;]*/, `; ${only}; inputs ${s.mode === 'pixel' ? 'pixel/255' : `--normalize ${s.mode}`} fitted on those rows`);
        return { train: withScaling(train, s), test: withScaling(got.test, s), scaling: s, notice };
      }
      notice += `; ${only}`;
    }
  }
  return { train, test: got.test, scaling: got.scaling, notice };
}

/** Noise draws a row's negative ELBO is averaged over, for the threshold as `anomalies` scores rows (an autoencoder's score needs one). */
export const ANOMALY_DRAWS = 4;

/** Rows scored per pass when computing the threshold (bounded memory on large sets). */
const CHUNK = 4096;

/**
 * The anomaly threshold of a trained model: the mean + 1 standard deviation of its training
 * rows' scores (negative ELBO averaged over `draws`), as `anomalies` scores test rows. Progress
 * on stderr for large sets.
 */
export async function thresholdOf(vae: Vae, train: AnyDataset, draws: number): Promise<number> {
  const n = train.count;
  const scores = new Float64Array(n);
  const progress = n >= 10_000 ? new TaskProgress(process.stderr, `anomaly threshold: scoring ${n} training rows`) : null;
  for (let start = 0; start < n; start += CHUNK) {
    const count = Math.min(CHUNK, n - start);
    const x = firstRows(subset(train, start, start + count), count);
    scores.set(await anomalyScores(vae, x, count, draws), start);
    progress?.update(start + count, n);
  }
  return trainingThreshold(scores);
}
