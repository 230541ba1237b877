// The IDX reader (plain and gzipped) against hand-built files: good files parse exactly, and
// every rejection in REFERENCE.md fails with one line naming the file and the numbers. Also the
// data set helpers: count checks, seeded shuffles and epoch batches.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { epochBatches, makeDataset, shuffled, type Dataset } from '../../src/data/dataset.js';
import { MAX_IDX_BYTES, readIdxImages, readIdxLabels } from '../../src/data/idx.js';

const NAME = 'train-images-idx3-ubyte';
const LABELS = 'train-labels-idx1-ubyte';

/** An IDX images file; pixel k of the payload is (7k + 3) mod 256 unless the payload is given. */
function images(count: number, rows: number, cols: number, opts: { magic?: number; extra?: number; payload?: number } = {}): Uint8Array {
  const payload = opts.payload ?? count * rows * cols;
  const b = new Uint8Array(16 + payload + (opts.extra ?? 0));
  const v = new DataView(b.buffer);
  v.setUint32(0, opts.magic ?? 0x803);
  v.setUint32(4, count);
  v.setUint32(8, rows);
  v.setUint32(12, cols);
  for (let k = 0; k < payload; k++) b[16 + k] = (7 * k + 3) & 0xff;
  return b;
}
/** An IDX labels file holding `values` (the header count may be overridden). */
function labels(values: number[], opts: { magic?: number; count?: number; extra?: number } = {}): Uint8Array {
  const b = new Uint8Array(8 + values.length + (opts.extra ?? 0));
  const v = new DataView(b.buffer);
  v.setUint32(0, opts.magic ?? 0x801);
  v.setUint32(4, opts.count ?? values.length);
  b.set(values, 8);
  return b;
}
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));

/** The message of the rejection; fails when it resolves or the message spans lines. */
async function rejection(p: Promise<unknown>): Promise<string> {
  let message: string | null = null;
  try {
    await p;
  } catch (e) {
    message = (e as Error).message;
  }
  if (message === null) throw new Error('expected a rejection, the read succeeded');
  expect(message.includes('\n'), message).toBe(false);
  return message;
}
/** Asserts that reading `bytes` as `kind` rejects with `${name}: ` plus text matching `re`. */
async function rejects(kind: 'images' | 'labels', bytes: Uint8Array, re: RegExp, name = kind === 'images' ? NAME : LABELS): Promise<void> {
  const m = await rejection(kind === 'images' ? readIdxImages(bytes, name) : readIdxLabels(bytes, name));
  expect(m.startsWith(`${name}: `), m).toBe(true);
  expect(m).toMatch(re);
}

describe('IDX reader: good files', () => {
  it('reads images, plain and gzipped, byte for byte', async () => {
    const file = images(3, 2, 5);
    for (const bytes of [file, gz(file)]) {
      const got = await readIdxImages(bytes, NAME);
      expect({ count: got.count, rows: got.rows, cols: got.cols }).toEqual({ count: 3, rows: 2, cols: 5 });
      expect(Array.from(got.pixels)).toEqual(Array.from(file.subarray(16)));
    }
  });

  it('reads a gzipped file that decompresses in many chunks', async () => {
    // 200 28x28 images are 156,816 bytes: several DecompressionStream chunks, the first one
    // split between header and payload.
    const file = images(200, 28, 28);
    const got = await readIdxImages(gz(file), NAME);
    expect(got.count).toBe(200);
    expect(Buffer.compare(got.pixels, file.subarray(16))).toBe(0);
  });

  it('reads labels, plain and gzipped, including an empty set', async () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 0];
    for (const bytes of [labels(values), gz(labels(values))]) expect(Array.from(await readIdxLabels(bytes, 'l'))).toEqual(values);
    expect((await readIdxLabels(gz(labels([])), 'l')).length).toBe(0);
    expect(Array.from(await readIdxLabels(gz(labels([4, 2])), 'l'))).toEqual([4, 2]);
  });
});

describe('IDX reader: rejections', () => {
  it('wrong magic, naming both numbers', async () => {
    await rejects('images', images(1, 2, 2, { magic: 0x12345678 }), /not an IDX images file: magic 0x12345678, expected 0x00000803/);
    // Type byte 0x09 (signed bytes) is a valid IDX type but not MNIST's unsigned bytes.
    await rejects('images', images(1, 2, 2, { magic: 0x00000903 }), /not an IDX images file: magic 0x00000903/);
    await rejects('labels', labels([1], { magic: 0xdeadbeef }), /not an IDX labels file: magic 0xdeadbeef, expected 0x00000801/);
    await rejects('images', gz(images(1, 2, 2, { magic: 0x12345678 })), /not an IDX images file: magic 0x12345678/);
  });

  it('wrong dimension count', async () => {
    await rejects('images', images(1, 2, 2, { magic: 0x00000802 }), /IDX images file must have 3 dimension\(s\), header says 2/);
    await rejects('labels', images(1, 2, 2), /IDX labels file must have 1 dimension\(s\), header says 3/);
    await rejects('images', labels([1, 2]), /IDX images file must have 3 dimension\(s\), header says 1/);
    await rejects('images', gz(labels([1, 2])), /must have 3 dimension\(s\), header says 1/);
  });

  it('an empty file, plain or gzipped', async () => {
    await rejects('images', new Uint8Array(0), /file is 0 bytes, shorter than an IDX magic number/);
    await rejects('labels', new Uint8Array(0), /file is 0 bytes, shorter than an IDX magic number/);
    await rejects('images', gz(new Uint8Array(0)), /file is 0 bytes, shorter than an IDX magic number/);
  });

  it('a file shorter than its header, plain or gzipped', async () => {
    await rejects('images', images(1, 2, 2).subarray(0, 3), /file is 3 bytes, shorter than an IDX magic number/);
    await rejects('images', images(1, 2, 2).subarray(0, 12), /file is 12 bytes, shorter than its 16-byte header/);
    await rejects('labels', labels([1]).subarray(0, 6), /file is 6 bytes, shorter than its 8-byte header/);
    await rejects('images', gz(images(1, 2, 2).subarray(0, 10)), /file is 10 bytes, shorter than its 16-byte header/);
  });

  it('a truncated payload, plain or gzipped', async () => {
    await rejects('images', images(3, 28, 28, { payload: 3 * 784 - 1 }), /file is 2367 bytes, header implies 2368: truncated/);
    await rejects('labels', labels([1, 2], { count: 5 }), /file is 10 bytes, header implies 13: truncated/);
    await rejects('images', gz(images(3, 28, 28, { payload: 100 })), /file is 116 bytes, header implies 2368: truncated/);
  });

  it('trailing bytes, plain or gzipped', async () => {
    await rejects('images', images(2, 3, 3, { extra: 5 }), /file is 39 bytes, header implies 34: 5 trailing bytes/);
    await rejects('labels', labels([1, 2, 3], { count: 2 }), /file is 11 bytes, header implies 10: 1 trailing bytes/);
    await rejects('images', gz(images(2, 3, 3, { extra: 1 })), /decompresses to more than the 34 bytes its header implies/);
    await rejects('labels', gz(labels(Array(20).fill(1), { extra: 3 })), /decompresses to more than the 28 bytes its header implies/);
  });

  it('gzipped labels: fewer than 8 labels followed by trailing bytes', async () => {
    // gunzipIdx buffers up to 16 header bytes for both kinds, but a labels header is 8 bytes:
    // with 2 labels (limit 10) and 3 extra bytes, 13 bytes are already buffered when the header
    // is parsed. That must be reported as too long, not as corrupt gzip data.
    await rejects('labels', gz(labels([1, 2], { extra: 3 })), /decompresses to more than the 10 bytes its header implies/);
    // The same path for a labels bomb declaring 1 label: rejected, but mis-reported as corrupt.
    await rejects('labels', gz(labels([1], { extra: 8 << 20 })), /decompresses to more than the 9 bytes its header implies/);
  });

  it('counts whose product is over the accepted maximum', async () => {
    await rejects('images', images(0xffffffff, 28, 28, { payload: 0 }), /header declares 4294967295x28x28 = 3367254359280 bytes, more than the 2147483647 accepted/);
    // 65536 x 65536 x 1 = 2^32 wraps to 0 in 32-bit arithmetic; it must still be refused.
    await rejects('images', images(65536, 65536, 1, { payload: 0 }), /header declares 65536x65536x1 = 4294967296 bytes, more than the 2147483647/);
    await rejects('images', images(46341, 46341, 1, { payload: 0 }), /= 2147488281 bytes, more than the 2147483647 accepted/);
    await rejects('labels', labels([], { count: 2 ** 31 }), /header declares 2147483648 = 2147483648 bytes, more than the 2147483647 accepted/);
    // Refused from the header alone, before any allocation, gzipped too.
    await rejects('images', gz(images(0xffffffff, 0xffffffff, 0xffffffff, { payload: 0 })), /more than the 2147483647 accepted/);
    expect(MAX_IDX_BYTES).toBe(2 ** 31 - 1);
  });

  it('an empty image size', async () => {
    await rejects('images', images(5, 0, 28), /image size 0x28 is empty/);
  });

  it('labels above 9, naming the index and value', async () => {
    await rejects('labels', labels([0, 9, 10, 3]), /label 2 is 10, labels must be 0-9/);
    await rejects('labels', gz(labels([255])), /label 0 is 255, labels must be 0-9/);
  });

  it('a gzip bomb fails fast at the size its header implies', async () => {
    // Header: 1 image of 28x28 (800 bytes in all), then 1 MiB of zeros in the first member and
    // 256 more gzip members of 16 MiB of zeros each: 4 GiB of output from about 4 MB of input.
    // Reading it all would take seconds and more memory than a typed array may hold; the reader
    // must stop at the first chunk past 800 bytes.
    const zeros = gzipSync(new Uint8Array(16 << 20));
    const bomb = Buffer.concat([gzipSync(images(1, 28, 28, { extra: 1 << 20 })), ...Array(256).fill(zeros)]);
    const t0 = performance.now();
    await rejects('images', new Uint8Array(bomb), /decompresses to more than the 800 bytes its header implies/);
    // Generous bound for slow machines; inflating 4 GiB takes several seconds anywhere.
    expect(performance.now() - t0).toBeLessThan(1500);
    await rejects('labels', gz(labels(Array(20).fill(1), { extra: 8 << 20 })), /decompresses to more than the 28 bytes its header implies/);
  });

  it('corrupt gzip data', async () => {
    const good = gz(images(2, 3, 3));
    await rejects('images', good.subarray(0, good.length - 4), /gzip data is corrupt \(unexpected end of file\)/);
    await rejects('images', good.subarray(0, 2), /gzip data is corrupt/);
    const badCrc = Uint8Array.from(good);
    badCrc[badCrc.length - 6] ^= 0xff;
    await rejects('images', badCrc, /gzip data is corrupt \(incorrect data check\)/);
    const garbage = Uint8Array.from(good);
    garbage.fill(0xff, 10, garbage.length - 8);
    await rejects('images', garbage, /gzip data is corrupt/);
    await rejects('labels', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), /gzip data is corrupt/);
  });
});

/** A data set of n 1x2 images whose two pixels encode the image's index (low byte, high byte). */
function indexed(n: number, withLabels = true): Dataset {
  const px = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    px[2 * i] = i & 0xff;
    px[2 * i + 1] = i >> 8;
  }
  return makeDataset('indexed', { count: n, rows: 1, cols: 2, pixels: px }, withLabels ? new Uint8Array(n) : null);
}

describe('data sets', () => {
  it('makeDataset rejects an image/label count mismatch and an empty set', () => {
    const im = { count: 3, rows: 1, cols: 2, pixels: new Uint8Array(6) };
    expect(() => makeDataset('mnist', im, new Uint8Array(2))).toThrow(/^mnist: 3 images but 2 labels$/);
    expect(() => makeDataset('mnist', im, new Uint8Array(4))).toThrow(/^mnist: 3 images but 4 labels$/);
    expect(() => makeDataset('mnist', { ...im, count: 0, pixels: new Uint8Array(0) }, null)).toThrow(/mnist: the images file holds no images/);
    expect(makeDataset('mnist', im, null).labels).toBeNull();
  });

  it('shuffled is a permutation, deterministic per (seed, epoch), different across epochs and seeds', () => {
    for (const n of [0, 1, 2, 5, 97, 1000]) {
      const p = shuffled(n, 42, 3);
      expect(Array.from(p).sort((a, b) => a - b), `n=${n}`).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(shuffled(n, 42, 3)), `n=${n} repeat`).toEqual(Array.from(p));
    }
    const a = Array.from(shuffled(1000, 42, 0));
    expect(a).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(shuffled(1000, 42, 1))).not.toEqual(a);
    expect(Array.from(shuffled(1000, 43, 0))).not.toEqual(a);
    // Every epoch of a short run differs from every other.
    const epochs = new Set(Array.from({ length: 10 }, (_, e) => Array.from(shuffled(50, 7, e)).join(',')));
    expect(epochs.size).toBe(10);
  });

  it('epochBatches yields ceil(n/batch) batches, the last partial, every image once in shuffled order', () => {
    for (const [n, batch] of [[300, 64], [256, 64], [5, 8], [1, 1]]) {
      const ds = indexed(n);
      const out = new Float32Array(batch * 2);
      const seen: number[] = [];
      const counts: number[] = [];
      for (const count of epochBatches(ds, batch, 9, 4, out)) {
        counts.push(count);
        for (let r = 0; r < count; r++) seen.push(Math.round(out[2 * r] * 255) + 256 * Math.round(out[2 * r + 1] * 255));
      }
      const full = Math.floor(n / batch);
      const want = Array(full).fill(batch);
      if (n % batch) want.push(n % batch);
      expect(counts, `n=${n} batch=${batch}`).toEqual(want);
      expect(counts.length).toBe(Math.ceil(n / batch));
      expect(seen, `n=${n} batch=${batch}: images in the order shuffled() gives`).toEqual(Array.from(shuffled(n, 9, 4)));
    }
  });

  it('epochBatches scales bytes to [0, 1]', () => {
    const ds = makeDataset('px', { count: 1, rows: 1, cols: 3, pixels: Uint8Array.from([0, 51, 255]) }, null);
    const out = new Float32Array(3);
    expect([...epochBatches(ds, 4, 1, 0, out)]).toEqual([1]);
    expect(Array.from(out)).toEqual([0, Math.fround(0.2), 1]);
  });
});
