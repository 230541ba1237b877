/**
 * `anomalies`: every test row scored by its negative ELBO (or negative IWAE bound), the most
 * anomalous drawn (an image grid, or line panels with the reconstructions overlaid for feature
 * rows), and with labels the detection metrics of src/data/anomaly_metrics.ts against the
 * model's threshold (the mean + 1 standard deviation of its training rows' scores, kept in the
 * checkpoint) or `--threshold X`.
 */
import { anomalyMetrics, resolveNormalLabel, scoredRows, type AnomalyMetrics } from '../data/anomaly_metrics.js';
import { writeFileAtomic } from '../node/atomic.js';
import { isSeries } from '../views/data_view.js';
import { anomalyScores } from '../vae/toolkit.js';
import { intFlag, parseFlags, required, settingOptions, settingValues, UsageError } from './args.js';
import { DATA_OPTIONS } from './data.js';
import { imageRowsPng, seriesRowsPng } from './images.js';
import { checkIwaeModel, iwaeBound, iwaeFlag } from './model_commands.js';
import { checkPng, firstRows, openModelWithData, rowsAt } from './model_data.js';
import { ANOMALY_DRAWS } from './train_data.js';

/** A score as a panel caption (the bitmap font's characters). */
const caption = (v: number) => v.toFixed(Math.abs(v) >= 100 ? 0 : 1);

/**
 * `anomalies --model FILE [--data PATH] [--top 64] [--draws 4 | --iwae K] [--normal-label L]
 * [--threshold X] [--out FILE.png] [--json]`.
 */
export async function anomaliesCommand(args: string[]): Promise<void> {
  const f = parseFlags('anomalies', args, {
    model: { type: 'string' }, ...DATA_OPTIONS, top: { type: 'string' }, draws: { type: 'string' }, iwae: { type: 'string' },
    ...settingOptions(['normalLabel', 'threshold']), out: { type: 'string' }, json: { type: 'boolean' },
  });
  const path = required('model', f.model);
  const top = intFlag('top', f.top, 64, 1, 4096);
  const draws = intFlag('draws', f.draws, ANOMALY_DRAWS, 1, 1000);
  if (f.iwae !== undefined && f.draws !== undefined) throw new UsageError('anomalies: give --draws (negative ELBO) or --iwae (importance-weighted bound), not both');
  const iw = iwaeFlag(f.iwae);
  const given = settingValues(['normalLabel', 'threshold'], f, { normalLabel: '', threshold: NaN });
  const out = checkPng(f.out ?? 'anomalies.png');
  let normalLabel: number | null = null;
  let threshold: number | null = null;
  const { vae, close, data, display } = await openModelWithData(path, f, (d, ck) => {
    // The labels to score against: --normal-label, else the one the model was trained with.
    const text = given.normalLabel || ck.data.normalLabel;
    threshold = Number.isNaN(given.threshold) ? ck.data.threshold : given.threshold;
    if (text === null) return;
    if (!d.test.labels) {
      if (given.normalLabel) throw new UsageError(`--normal-label ${given.normalLabel}: ${d.test.name} has no labels to score against`);
      return;
    }
    if (iw !== null && Number.isNaN(given.threshold)) {
      throw new UsageError('anomalies: --iwae scores on another scale than the model\'s threshold (negative ELBO); give --threshold X with --normal-label');
    }
    if (threshold === null) throw new Error(`--normal-label ${text}: ${path} records no anomaly threshold (train --normal-label L --save computes one); give --threshold X`);
    normalLabel = resolveNormalLabel(text, d.test.labels, d.test.classNames);
  });
  try {
    checkIwaeModel(iw, vae);
    const n = data.test.count;
    const x = firstRows(data.test, n);
    const scores = iw === null ? await anomalyScores(vae, x, n, draws) : (await iwaeBound(vae, x, n, iw, f.json ?? false)).map((v) => -v);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
    const k = Math.min(top, n);
    const chosen = order.slice(0, k);
    const rows = rowsAt(data.test, chosen);
    if (isSeries(display.shape)) {
      const recon = await vae.reconstruct(rows, k);
      writeFileAtomic(out, seriesRowsPng({ inputs: rows, reconstructions: recon, n: k, captions: chosen.map((i) => caption(scores[i])) }, display));
    } else {
      writeFileAtomic(out, imageRowsPng(rows, k, display));
    }
    const labels = data.test.labels;
    const all = scoredRows(scores, labels, data.test.origin);
    const ranked = chosen.map((i) => all[i]);
    // Metrics need both kinds of rows: a file of normal rows alone (new data scored) has none.
    const both = normalLabel !== null && labels && Array.from(labels).some((l) => l === normalLabel) && Array.from(labels).some((l) => l !== normalLabel);
    if (normalLabel !== null && !both) process.stderr.write(`no metrics: the test rows are all ${Array.from(labels!).some((l) => l === normalLabel) ? 'normal' : 'anomalies'} (label ${normalLabel} normal)\n`);
    const metrics: AnomalyMetrics | null = both ? anomalyMetrics(scores, labels!, normalLabel!, threshold!) : null;
    if (f.json) {
      const how = iw === null ? { score: 'negative ELBO', draws } : { score: 'negative IWAE bound', iwae_k: iw };
      process.stdout.write(`${JSON.stringify({
        data: data.test.name, n, ...how, ...(threshold === null ? {} : { threshold }), top: ranked, rows: all,
        ...(metrics ? { normal_label: normalLabel, metrics } : {}),
      })}\n`);
    } else {
      const mean = scores.reduce((a, b) => a + b, 0) / n;
      const what = isSeries(display.shape) ? 'rows' : 'images';
      process.stdout.write(`scored ${n} test ${what} (mean ${mean.toFixed(1)} nats); the ${k} most anomalous are in ${out}, top score ${ranked[0].score.toFixed(1)} (${what.slice(0, -1)} ${ranked[0].index})\n`);
      if (metrics) {
        const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
        process.stdout.write(
          `label ${normalLabel}${data.test.classNames?.[normalLabel!] !== undefined ? ` (${data.test.classNames[normalLabel!]})` : ''} normal (${metrics.normal} rows), every other label an anomaly (${metrics.anomalies}): AUC ${metrics.auc.toFixed(4)}, AP ${metrics.ap.toFixed(4)}; ` +
            `threshold ${metrics.threshold.toPrecision(6)} flags ${metrics.flagged}: precision ${pct(metrics.precision)}, recall ${pct(metrics.recall)}, accuracy ${pct(metrics.accuracy)}\n`,
        );
      }
    }
  } finally {
    close();
  }
}
