// Hostile and broken inputs across the formats: each is refused with one line that names the
// file and what was found, and nothing crashes or allocates what the file claims.
import { createGzip, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/data/data_file.js';
import { loadUserData } from '../../src/node/user_data.js';
import { cifarBatch, folderWith, jpeg, le, npyFile, png } from '../util/data_files.js';
import { asyncMessageOf } from '../util/errors.js';

const grey = (w: number, h: number) => png(w, h, 1, new Array(w * h).fill(9));

/** Loads `files` (path -> content) from a fresh folder, or the one file `file` among them; the message of the refusal. */
async function refusal(files: Record<string, Uint8Array | string>, opts: { file?: string; labelColumn?: 'last' } = {}): Promise<string> {
  const dir = folderWith(files);
  return asyncMessageOf(() => loadUserData(opts.file ? join(dir, opts.file) : dir, { labelColumn: opts.labelColumn }));
}

/** A single gzip member of `bytes` zero bytes, compressed as it streams (a 2 GiB bomb is about 9 MB). */
async function zerosGzip(bytes: number, head = new Uint8Array(0)): Promise<Uint8Array> {
  const gz = createGzip({ level: 1 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise((r) => gz.on('end', r));
  gz.write(head);
  const zero = Buffer.alloc(16 << 20);
  for (let left = bytes - head.length; left > 0; left -= zero.length) {
    if (!gz.write(left >= zero.length ? zero : zero.subarray(0, left))) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await ended;
  return new Uint8Array(Buffer.concat(parts));
}

describe('hostile inputs, one line each', () => {
  let csvBomb: Uint8Array;
  beforeAll(async () => {
    csvBomb = await zerosGzip(2 ** 31);
  }, 120_000);

  it('1. a truncated PNG', async () => {
    const whole = grey(16, 16);
    const m = await refusal({ 'c/a.png': whole.subarray(0, whole.length - 30) });
    expect(m).toMatch(/a\.png: PNG could not be decoded \(.*\): truncated or damaged$/);
  });

  it('2. a .jpg that is not a JPEG', async () => {
    expect(await refusal({ 'c/photo.jpg': 'GIF89a this is not a jpeg' })).toMatch(/photo\.jpg: not a PNG or JPEG image: it starts with 47 49 46 38 39 61 20 74$/);
  });

  it('3. a truncated JPEG (no frame header)', async () => {
    const j = jpeg(8, 8, new Array(192).fill(100));
    expect(await refusal({ 'c/cut.jpg': j.subarray(0, 30) })).toMatch(/cut\.jpg: JPEG of 30 bytes has no frame header \(SOF\): truncated or damaged$/);
  });

  it('4. images of mixed sizes without --size', async () => {
    const m = await refusal({ 'a/1.png': grey(4, 4), 'b/2.png': grey(5, 3) });
    expect(m).toMatch(/b\/2\.png: image is 3x5 \(HxW\) but the first image, .*a\/1\.png, is 4x4: give --size H\[xW\] to resize them all$/);
  });

  it('5. an empty class folder', async () => {
    expect(await refusal({ 'cat/1.png': grey(2, 2), 'dog/': '' })).toMatch(/: class folder dog holds no \.png, \.jpg or \.jpeg images \(torchvision's ImageFolder refuses an empty class too\)$/);
  });

  it('6. a PNG that claims 100000 x 100000 pixels', async () => {
    const p = grey(2, 2);
    const huge = p.slice();
    new DataView(huge.buffer).setUint32(16, 100000);
    new DataView(huge.buffer).setUint32(20, 100000);
    expect(await refusal({ 'c/huge.png': huge })).toMatch(/huge\.png: image is 100000x100000 \(HxW\) = 10000000000 pixels, more than the 89478485 accepted \(Pillow's limit\)$/);
  });

  it('7. an .npy with a bad magic', async () => {
    expect(await refusal({ 'x.npy': 'PK\u0003\u0004 a zip, not npy' }, { file: 'x.npy' })).toMatch(/x\.npy: not a NumPy \.npy file: magic bytes 50 4b 03 04 20 61, expected 93 4e 55 4d 50 59/);
  });

  it('8. a Fortran-order .npy', async () => {
    const m = await refusal({ 'f.npy': npyFile('<f4', [2, 3], le('f4', [1, 2, 3, 4, 5, 6]), { fortran: true }) }, { file: 'f.npy' });
    expect(m).toMatch(/f\.npy: Fortran \(column-major\) order for shape \(2, 3\): save it in C order/);
  });

  it('9. a big-endian .npy', async () => {
    expect(await refusal({ 'b.npy': npyFile('>f4', [1, 2], new Uint8Array(8)) }, { file: 'b.npy' })).toMatch(/b\.npy: big-endian data \(dtype '>f4'\): save it little-endian/);
  });

  it('10. an object-dtype .npy', async () => {
    expect(await refusal({ 'o.npy': npyFile('|O', [2, 2], new Uint8Array(32)) }, { file: 'o.npy' })).toMatch(/o\.npy: dtype '\|O' is Python objects \(pickled\): save the array as float32, float64 or uint8$/);
  });

  it('11. an .npy whose shape lies about the byte count (short and long)', async () => {
    expect(await refusal({ 's.npy': npyFile('<f4', [1000, 10], le('f4', [1, 2, 3])) }, { file: 's.npy' })).toMatch(/s\.npy: file is 140 bytes, but shape \(1000, 10\) of '<f4' needs 128 \+ 40000 = 40128: truncated$/);
    expect(await refusal({ 'l.npy': npyFile('<f4', [1, 1], le('f4', [1, 2])) }, { file: 'l.npy' })).toMatch(/l\.npy: file is 136 bytes, but shape \(1, 1\) of '<f4' needs 128 \+ 4 = 132: 4 trailing bytes$/);
  });

  it('12. an .npy of float16 and one holding NaN', async () => {
    expect(await refusal({ 'h.npy': npyFile('<f2', [1, 2], new Uint8Array(4)) }, { file: 'h.npy' })).toMatch(/dtype '<f2' is not float32, float64 or uint8/);
    expect(await refusal({ 'n.npy': npyFile('<f8', [2, 2], le('f8', [1, 2, 3, NaN])) }, { file: 'n.npy' })).toMatch(/n\.npy row 1 element 1: value is NaN; data must be finite numbers$/);
  });

  it('13. a CSV with ragged rows', async () => {
    expect(await refusal({ 'r.csv': '1,2,3\n4,5,6\n7,8\n' }, { file: 'r.csv' })).toMatch(/r\.csv line 3: 2 fields, but line 1 has 3$/);
  });

  it('14. a CSV text cell, an empty cell, NaN and an infinity', async () => {
    expect(await refusal({ 't.csv': 'a,b\n1,2\n3,abc\n' }, { file: 't.csv' })).toMatch(/t\.csv line 3 column 2 \("b"\): "abc" is not a number$/);
    expect(await refusal({ 'e.csv': '1,2\n3,\n' }, { file: 'e.csv' })).toMatch(/e\.csv line 2 column 2: empty cell \(a missing value\)$/);
    expect(await refusal({ 'n.csv': '1,2\n3,NaN\n' }, { file: 'n.csv' })).toMatch(/n\.csv line 2 column 2: "NaN" is not a finite number$/);
    expect(await refusal({ 'i.csv': '1,-inf\n3,4\n' }, { file: 'i.csv' })).toMatch(/i\.csv line 1 column 2: "-inf" is not a finite number$/);
  });

  it('15. an empty CSV, and one with a header only', async () => {
    expect(await refusal({ 'z.csv': '' }, { file: 'z.csv' })).toMatch(/z\.csv: the file is empty$/);
    expect(await refusal({ 'h.csv': 'a,b\n' }, { file: 'h.csv' })).toMatch(/h\.csv: the file has a header row but no data rows$/);
  });

  it('16. a 2 GiB gzip bomb as a CSV: refused from its trailer before decompressing', async () => {
    const m = await refusal({ 'bomb.csv.gz': csvBomb }, { file: 'bomb.csv.gz' });
    expect(m).toMatch(/bomb\.csv\.gz: its gzip trailer says it decompresses to 2048 MiB, more than the 1024 MiB accepted for a \d+-byte gzip file/);
  });

  it('17. a 2 GiB gzip bomb behind an .npy header declaring 8 bytes: stopped at the size the header implies', async () => {
    // The header (128 bytes) declares (1, 2) float32; 2 GiB follow in 16 MiB members, whose
    // trailers each say 16 MiB, so only the header bound can stop it.
    const header = gzipSync(npyFile('<f4', [1, 2], le('f4', [1, 2])));
    const zeros = gzipSync(new Uint8Array(16 << 20));
    const bomb = new Uint8Array(Buffer.concat([header, ...new Array(128).fill(zeros)]));
    expect(await refusal({ 'x.npy.gz': bomb }, { file: 'x.npy.gz' })).toMatch(/x\.npy\.gz: decompresses to more than the 136 bytes its header implies$/);
  });

  it('18. an .npy header that declares more than one array may hold', async () => {
    expect(await refusal({ 'big.npy': npyFile('<f8', [100000, 100000], new Uint8Array(0)) }, { file: 'big.npy' })).toMatch(/big\.npy: header declares shape \(100000, 100000\) of '<f8' = 80000000000 bytes, more than the 2147483647 accepted$/);
  });

  it('19. a CIFAR-10 batch with a partial record, and one with a label above 9', async () => {
    const part = cifarBatch([1, 2]).subarray(0, 3073 + 100);
    expect(await refusal({ 'data_batch_1.bin': part, 'test_batch.bin': cifarBatch([1]) })).toMatch(/data_batch_1\.bin: 3173 bytes is not a whole number of 3073-byte records .*: 1 records and 100 bytes over$/);
    const bad = cifarBatch([1, 42]);
    expect(await refusal({ 'data_batch_1.bin': bad, 'test_batch.bin': cifarBatch([1]) })).toMatch(/data_batch_1\.bin record 1: label byte is 42, CIFAR-10 labels are 0-9/);
  });

  it('20. a test class that train/ lacks, and train/ and test/ whose npy widths differ', async () => {
    expect(await refusal({ 'train/cat/1.png': grey(2, 2), 'test/cow/1.png': grey(2, 2) })).toMatch(/: test\/cow has no train\/cow: the classes come from train\/ \(cat\)$/);
    expect(await refusal({ 'train.npy': npyFile('|u1', [1, 4], new Uint8Array(4)), 'test.npy': npyFile('|u1', [1, 2, 2], new Uint8Array(4)) })).toMatch(/: train rows are 4 but test rows are 1x2x2/);
  });

  it('every refusal is a DataFileError or a plain Error, never a crash', async () => {
    const dir = folderWith({ 'r.csv': '1,2\n3\n' });
    await expect(loadUserData(join(dir, 'r.csv'))).rejects.toBeInstanceOf(DataFileError);
  });
});
