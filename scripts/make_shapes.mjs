#!/usr/bin/env node
// Writes a seeded synthetic colour-image data set in CIFAR-10's binary format, for the
// convolutional VAE on colour images (no colour data set installs here):
//
//   node scripts/make_shapes.mjs [--out shapes] [--train 8000] [--test 2000] [--seed 1]
//
// Files: data_batch_1.bin (the training images, in batches of at most 10,000: data_batch_1.bin,
// data_batch_2.bin, ...), test_batch.bin and batches.meta.txt, each record 1 label byte and
// 3,072 bytes of 32 x 32 red, green and blue planes, as CIFAR-10's (`--data shapes` reads them).
// Each image is one shape on a background: a disc, a square, a triangle, a ring, a cross,
// stripes, a diamond, a hexagon, a crescent or a square frame (the ten classes), in a colour drawn from the HSV wheel (saturation 0.6-1, value
// 0.7-1) on a darker background of another hue, at a random place and size (radius 5-11 pixels),
// with anti-aliased edges (4 x 4 samples a pixel) and pixel noise (standard deviation 4 levels).
// The same seed writes the same bytes on every machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from './seeded_random.mjs';

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: 'shapes' },
    train: { type: 'string', default: '8000' },
    test: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
  },
});
const nTrain = Number(opt.train);
const nTest = Number(opt.test);
const seed = Number(opt.seed);
if (!(Number.isInteger(nTrain) && nTrain >= 1) || !(Number.isInteger(nTest) && nTest >= 1) || !Number.isInteger(seed)) {
  console.error('make_shapes: --train N >= 1, --test N >= 1, --seed an integer');
  process.exit(1);
}

const { uniform, normal, between } = seededRandom(seed);

/** RGB in [0, 1] of hue h (turns), saturation s, value v. */
function hsv(h, s, v) {
  const f = (n) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

const CLASSES = ['disc', 'square', 'triangle', 'ring', 'cross', 'stripes', 'diamond', 'hexagon', 'crescent', 'frame'];
const SIDE = 32;

/** Whether point (x, y), relative to the centre and in units of the radius r, lies inside shape `kind` turned by `angle`. */
function inside(kind, x, y, angle) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const u = c * x + s * y;
  const v = -s * x + c * y;
  switch (kind) {
    case 'disc': return x * x + y * y <= 1;
    case 'square': return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
    case 'triangle': return v >= -0.5 && v <= 1 - 1.732 * Math.abs(u) && v <= 1;
    case 'ring': return x * x + y * y <= 1 && x * x + y * y >= 0.45;
    case 'cross': return (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1);
    case 'stripes': return Math.abs(u) <= 0.9 && Math.abs(v) <= 0.9 && Math.floor((v + 0.9) / 0.36) % 2 === 0;
    case 'diamond': return Math.abs(u) + Math.abs(v) <= 1;
    case 'hexagon': return Math.abs(v) <= 0.866 && Math.abs(u) * 0.866 + Math.abs(v) * 0.5 <= 0.866;
    case 'crescent': return x * x + y * y <= 1 && (u - 0.45) ** 2 + v * v > 0.6;
    case 'frame': return Math.max(Math.abs(u), Math.abs(v)) <= 0.85 && Math.max(Math.abs(u), Math.abs(v)) >= 0.5;
  }
  return false;
}

/** One record: the label byte, then the red, green and blue planes. */
function record(label) {
  const kind = CLASSES[label];
  const hue = uniform();
  const fg = hsv(hue, between(0.6, 1), between(0.7, 1));
  const bg = hsv((hue + between(0.25, 0.75)) % 1, between(0.2, 0.8), between(0.1, 0.45));
  const r = between(5, 11);
  const cx = between(r, SIDE - r);
  const cy = between(r, SIDE - r);
  const angle = between(0, Math.PI * 2);
  const out = new Uint8Array(1 + 3 * SIDE * SIDE);
  out[0] = label;
  for (let py = 0; py < SIDE; py++) {
    for (let px = 0; px < SIDE; px++) {
      let cover = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) cover += inside(kind, (px + (sx + 0.5) / 4 - cx) / r, (py + (sy + 0.5) / 4 - cy) / r, angle) ? 1 : 0;
      cover /= 16;
      for (let ch = 0; ch < 3; ch++) {
        const v = 255 * (cover * fg[ch] + (1 - cover) * bg[ch]) + 4 * normal();
        out[1 + ch * SIDE * SIDE + py * SIDE + px] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

function batch(n) {
  const b = new Uint8Array(n * (1 + 3 * SIDE * SIDE));
  for (let i = 0; i < n; i++) b.set(record(Math.floor(uniform() * CLASSES.length)), i * (1 + 3 * SIDE * SIDE));
  return b;
}

mkdirSync(opt.out, { recursive: true });
const files = [];
for (let start = 0, k = 1; start < nTrain; start += 10000, k++) {
  const name = `data_batch_${k}.bin`;
  writeFileSync(join(opt.out, name), batch(Math.min(10000, nTrain - start)));
  files.push(name);
}
writeFileSync(join(opt.out, 'test_batch.bin'), batch(nTest));
writeFileSync(join(opt.out, 'batches.meta.txt'), `${CLASSES.join('\n')}\n`);
console.log(`wrote ${opt.out}/: ${files.join(', ')} (${nTrain} training images), test_batch.bin (${nTest}), batches.meta.txt; 32x32 RGB, ${CLASSES.length} classes (${CLASSES.join(', ')}), seed ${seed}`);
