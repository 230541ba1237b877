#!/usr/bin/env node
// Writes a seeded synthetic ECG-like data set as CSV, for the anomaly-detection workflow (a
// VAE trained on normal heartbeats scores every row by its reconstruction loss; rows of other
// labels should score high). Modelled on the ECG5000 file of TensorFlow's autoencoder tutorial:
// one heartbeat per row, 140 samples, the label in the last column.
//
//   node scripts/make_ecg_csv.mjs [--out ecg.csv] [--rows 5000] [--anomalies 0.2] [--length 140] [--seed 1]
//
// Columns: a header row t0..t139,label, then one row per beat. A normal beat is a sum of five
// Gaussian bumps (the P, Q, R, S and T waves at 20%, 36%, 40%, 44% and 68% of the beat), each
// beat with its own timing (+-4%), amplitude (+-10%), a slow baseline wander and white noise
// (standard deviation 0.02). Labels (text, so `--label-column label --normal-label normal`):
//   normal        the beat above
//   st_elevation  the segment between S and T raised by 0.2-0.35 (the ischaemia pattern)
//   inverted_t    the T wave upside down
//   wide_qrs      a premature ventricular beat: no P wave, the QRS three times wider and early
//   noise_burst   an artefact: 12-24 samples of strong noise (standard deviation 0.3-0.5)
// The anomalies (--anomalies, the fraction of rows, default 0.2) are spread evenly over the
// four kinds; rows are shuffled. The same seed writes the same bytes on every machine.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { seededRandom } from './seeded_random.mjs';

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: 'ecg.csv' },
    rows: { type: 'string', default: '5000' },
    anomalies: { type: 'string', default: '0.2' },
    length: { type: 'string', default: '140' },
    seed: { type: 'string', default: '1' },
  },
});
const rows = Number(opt.rows);
const fraction = Number(opt.anomalies);
const length = Number(opt.length);
const seed = Number(opt.seed);
if (!(Number.isInteger(rows) && rows >= 1) || !(fraction >= 0 && fraction <= 1) || !(Number.isInteger(length) && length >= 20) || !Number.isInteger(seed)) {
  console.error('make_ecg_csv: --rows N >= 1, --anomalies F in [0, 1], --length L >= 20, --seed an integer');
  process.exit(1);
}

const { uniform, normal, between } = seededRandom(seed);

const bump = (t, at, width, amp) => amp * Math.exp(-0.5 * ((t - at) / width) ** 2);

/** One beat of `kind` as `length` samples. */
function beat(kind) {
  const shift = between(-0.04, 0.04);
  const gain = between(0.9, 1.1);
  const wanderAmp = between(0, 0.08);
  const wanderPhase = between(0, 2 * Math.PI);
  const premature = kind === 'wide_qrs';
  const qrsAt = 0.4 + shift - (premature ? 0.08 : 0);
  const qrsWidth = premature ? 3 : 1;
  const tSign = kind === 'inverted_t' ? -1 : 1;
  const st = kind === 'st_elevation' ? between(0.2, 0.35) : 0;
  const burstStart = Math.floor(between(0, length - 24));
  const burstLength = Math.floor(between(12, 25));
  const burstSd = between(0.3, 0.5);
  const out = [];
  for (let i = 0; i < length; i++) {
    const t = i / (length - 1);
    let v = 0;
    if (!premature) v += bump(t, 0.2 + shift, 0.025, 0.15);
    v += bump(t, qrsAt - 0.04, 0.01 * qrsWidth, -0.1);
    v += bump(t, qrsAt, 0.012 * qrsWidth, 1.0);
    v += bump(t, qrsAt + 0.04 * qrsWidth, 0.012 * qrsWidth, -0.25);
    v += tSign * bump(t, 0.68 + shift, 0.05, 0.3);
    // ST elevation: a raised plateau from the end of S to the T wave, with soft edges.
    if (st > 0) v += st / (1 + Math.exp(-(t - (qrsAt + 0.07)) / 0.01)) / (1 + Math.exp((t - (0.72 + shift)) / 0.02));
    v = gain * v + wanderAmp * Math.sin(2 * Math.PI * 0.8 * t + wanderPhase) + 0.02 * normal();
    if (kind === 'noise_burst' && i >= burstStart && i < burstStart + burstLength) v += burstSd * normal();
    out.push(v);
  }
  return out;
}

const KINDS = ['st_elevation', 'inverted_t', 'wide_qrs', 'noise_burst'];
const nAnomalies = Math.round(rows * fraction);
const labels = Array.from({ length: rows }, (_, i) => (i < nAnomalies ? KINDS[i % KINDS.length] : 'normal'));
for (let i = rows - 1; i > 0; i--) {
  const j = Math.floor(uniform() * (i + 1));
  [labels[i], labels[j]] = [labels[j], labels[i]];
}
const lines = [`${Array.from({ length }, (_, i) => `t${i}`).join(',')},label`];
for (const kind of labels) lines.push(`${beat(kind).map((v) => v.toFixed(4)).join(',')},${kind}`);
writeFileSync(opt.out, `${lines.join('\n')}\n`);
const counts = Object.fromEntries(['normal', ...KINDS].map((k) => [k, labels.filter((l) => l === k).length]));
console.log(`wrote ${opt.out}: ${rows} beats of ${length} samples (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}), seed ${seed}`);
