// The .npy reader against files written by hand (and by numpy, when it is installed): every
// accepted dtype and shape, channels-last, labels, the writer's round trip.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, npyHeader, parseNpyData, parseNpyLabels } from '../../src/data/npy.js';
import { folderWith, le, npyFile, PYTHON, pythonHas } from '../util/data_files.js';

describe('npy data', () => {
  it('float32 (N, F): the values as written, one row of F features each', () => {
    const d = parseNpyData(npyFile('<f4', [2, 3], le('f4', [1, -2.5, 3, 0.25, 5, 6e-3])), 'a.npy');
    expect(d.count).toBe(2);
    expect(d.rowShape).toEqual([3]);
    expect(d.bytes).toBeNull();
    expect(Array.from(d.values!)).toEqual([1, -2.5, 3, 0.25, 5, Math.fround(6e-3)]);
  });

  it('float64 is read as float32 (rounded to nearest)', () => {
    const d = parseNpyData(npyFile('<f8', [1, 3], le('f8', [0.1, 1e-8, -123456.789])), 'b.npy');
    expect(Array.from(d.values!)).toEqual([Math.fround(0.1), Math.fround(1e-8), Math.fround(-123456.789)]);
  });

  it('uint8 images: (N, H, W) as one channel, (N, C, H, W) as given, bytes kept', () => {
    const three = parseNpyData(npyFile('|u1', [2, 2, 3], Uint8Array.from({ length: 12 }, (_, i) => i * 20)), 'c.npy');
    expect(three.rowShape).toEqual([1, 2, 3]);
    expect(Array.from(three.bytes!)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220]);
    expect(three.values).toBeNull();
    const four = parseNpyData(npyFile('|u1', [1, 3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i)), 'd.npy');
    expect(four.rowShape).toEqual([3, 2, 2]);
    expect(Array.from(four.bytes!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('channels-last (N, H, W, C) becomes (C, H, W) rows', () => {
    // Pixel (y, x) channel c holds 100 y + 10 x + c; rows are 2 high, 3 wide, 2 channels.
    const hwc: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 2; c++) hwc.push(100 * y + 10 * x + c);
    const d = parseNpyData(npyFile('<f4', [1, 2, 3, 2], le('f4', hwc)), 'e.npy', { channelsLast: true });
    expect(d.rowShape).toEqual([2, 2, 3]);
    // Plane 0 then plane 1, each row by row.
    expect(Array.from(d.values!)).toEqual([0, 10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121]);
    const bytes = parseNpyData(npyFile('|u1', [1, 1, 2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])), 'f.npy', { channelsLast: true });
    expect(bytes.rowShape).toEqual([3, 1, 2]);
    expect(Array.from(bytes.bytes!)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('format version 2.0 headers and a Fortran flag on a single column are read', () => {
    const v2 = parseNpyData(npyFile('<f4', [1, 2], le('f4', [7, 8]), { major: 2 }), 'g.npy');
    expect(Array.from(v2.values!)).toEqual([7, 8]);
    // A (3, 1) array has the same bytes in either order.
    const col = parseNpyData(npyFile('<f4', [3, 1], le('f4', [1, 2, 3]), { fortran: true }), 'h.npy');
    expect(Array.from(col.values!)).toEqual([1, 2, 3]);
  });

  it('reads the header of a truncated prefix as "more bytes needed" (for gzip bounds)', () => {
    const f = npyFile('<f4', [4, 5], le('f4', new Array(20).fill(1)));
    expect(npyHeader(f.subarray(0, 9), 'x.npy', false)).toBeNull();
    expect(npyHeader(f.subarray(0, 127), 'x.npy', false)).toBeNull();
    expect(npyHeader(f.subarray(0, 130), 'x.npy', false)).toMatchObject({ headerBytes: 128, descr: '<f4', shape: [4, 5], payload: 80 });
  });
});

describe('npy labels', () => {
  it('int64 labels, bytes when below 256 and 32-bit words beyond', () => {
    const small = parseNpyLabels(npyFile('<i8', [3], le('i8', [0, 5, 9])), 'l.npy');
    expect(small).toBeInstanceOf(Uint8Array);
    expect(Array.from(small)).toEqual([0, 5, 9]);
    const big = parseNpyLabels(npyFile('<i8', [3], le('i8', [0, 300, 70000])), 'l.npy');
    expect(big).toBeInstanceOf(Uint32Array);
    expect(Array.from(big)).toEqual([0, 300, 70000]);
    expect(Array.from(parseNpyLabels(npyFile('|u1', [2], Uint8Array.from([3, 1])), 'l.npy'))).toEqual([3, 1]);
    expect(Array.from(parseNpyLabels(npyFile('<u2', [2], le('u2', [1000, 2])), 'l.npy'))).toEqual([1000, 2]);
    expect(Array.from(parseNpyLabels(npyFile('<f8', [2], le('f8', [1, 0])), 'l.npy'))).toEqual([1, 0]);
  });
});

describe('npy writer', () => {
  it('writes what the reader reads, header padded to 64 bytes', () => {
    const f32 = encodeNpy(Float32Array.from([1.5, -2, 3, 4]), [2, 2]);
    expect(npyHeader(f32, 'w.npy')!.headerBytes % 64).toBe(0);
    expect(Array.from(parseNpyData(f32, 'w.npy').values!)).toEqual([1.5, -2, 3, 4]);
    const u8 = encodeNpy(Uint8Array.from([9, 8, 7, 6, 5, 4]), [1, 1, 2, 3]);
    expect(parseNpyData(u8, 'w.npy')).toMatchObject({ count: 1, rowShape: [1, 2, 3] });
    const labels = encodeNpy(Uint32Array.from([0, 70000]), [2]);
    expect(Array.from(parseNpyLabels(labels, 'w.npy'))).toEqual([0, 70000]);
  });

  const hasNumpy = pythonHas('numpy');
  // CI installs NumPy with PyTorch (.ci/run): there the test runs, and fails without it.
  it.skipIf(!hasNumpy && !process.env.CI)('agrees with numpy both ways', () => {
    const dir = folderWith({ 'ours.npy': encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    const script = [
      'import numpy as np, sys',
      'd = sys.argv[1]',
      "a = np.load(d + '/ours.npy'); assert a.dtype == np.float32 and a.shape == (2, 3) and a.tolist() == [[1, 2, 3], [4, 5, 6]], a",
      "np.save(d + '/f64.npy', np.arange(6, dtype=np.float64).reshape(2, 3) / 4)",
      "np.save(d + '/u8.npy', np.arange(24, dtype=np.uint8).reshape(2, 3, 2, 2))",
      "np.save(d + '/lab.npy', np.array([0, 3, 299]))",
    ].join('\n');
    execFileSync(PYTHON, ['-c', script, dir]);
    expect(Array.from(parseNpyData(readFileSync(join(dir, 'f64.npy')), 'f64.npy').values!)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    const u8 = parseNpyData(readFileSync(join(dir, 'u8.npy')), 'u8.npy');
    expect(u8.rowShape).toEqual([3, 2, 2]);
    expect(u8.bytes![23]).toBe(23);
    expect(Array.from(parseNpyLabels(readFileSync(join(dir, 'lab.npy')), 'lab.npy'))).toEqual([0, 3, 299]);
  });
});
