// Small data files written by tests: .npy with hand-written headers, PNG (fast-png), JPEG
// (jpeg-js), and folders of them on disk.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';

/** An .npy file written by hand: magic, version, little-endian header length, the dict padded to 64 bytes, the payload. */
export function npyFile(descr: string, shape: number[], payload: Uint8Array, opts: { fortran?: boolean; major?: number; dict?: string } = {}): Uint8Array {
  const major = opts.major ?? 1;
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let dict = opts.dict ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = major === 1 ? 10 : 12;
  dict += ' '.repeat((64 - ((pre + dict.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + dict.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  out.set(payload, pre + dict.length);
  return out;
}

/** Little-endian bytes of float32, float64, int64 or uint16 values. */
export function le(kind: 'f4' | 'f8' | 'i8' | 'u2', values: number[]): Uint8Array {
  const size = { f4: 4, f8: 8, i8: 8, u2: 2 }[kind];
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    if (kind === 'f4') v.setFloat32(4 * i, x, true);
    else if (kind === 'f8') v.setFloat64(8 * i, x, true);
    else if (kind === 'i8') v.setBigInt64(8 * i, BigInt(x), true);
    else v.setUint16(2 * i, x, true);
  });
  return out;
}

/** A PNG of interleaved samples (channels 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
export function png(width: number, height: number, channels: number, data: number[] | Uint8Array, depth: 8 | 16 = 8): Uint8Array {
  const samples = depth === 16 ? Uint16Array.from(data) : Uint8Array.from(data);
  return encodePng({ width, height, channels, depth, data: samples });
}

/** A JPEG of RGB samples (quality 100 unless given). */
export function jpeg(width: number, height: number, rgb: number[] | Uint8Array, quality = 100): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  return new Uint8Array(encodeJpeg({ width, height, data: rgba }, quality).data);
}

/** A fresh temporary folder with `files` (path -> bytes or text) written below it; empty folders for paths ending in '/'. */
export function folderWith(files: Record<string, Uint8Array | string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vae-data-'));
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(root, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}


/** A CIFAR-10 batch whose record r has label labels[r] and pixel i = (r * 7 + i) mod 256. */
export function cifarBatch(labels: number[]): Uint8Array {
  const record = 3073;
  const b = new Uint8Array(labels.length * record);
  labels.forEach((l, r) => {
    b[r * record] = l;
    for (let i = 0; i < record - 1; i++) b[r * record + 1 + i] = (r * 7 + i) % 256;
  });
  return b;
}

/**
 * A baseline grey JPEG of one 8x8 block written by hand: quantisation all ones, one Huffman
 * code '0' for DC category 7 and one for the end of block, and a DC coefficient of 80, so
 * every pixel decodes to 128 + 80 / 8 = 138 (the DC term alone: f(x, y) = F(0, 0) / 8 + 128).
 */
export function greyJpeg138(): Uint8Array {
  const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const oneCode = (tableClass: number, symbol: number) => seg(0xc4, [tableClass, 1, ...new Array(15).fill(0), symbol]);
  return Uint8Array.from([
    0xff, 0xd8,
    ...seg(0xdb, [0, ...new Array(64).fill(1)]),
    ...seg(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]),
    ...oneCode(0x00, 7), // DC: code '0' = category 7 (a difference in 64..127)
    ...oneCode(0x10, 0x00), // AC: code '0' = end of block
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
    // Bits: DC code 0, the 7 bits of 80 (1010000), EOB code 0, then 1s to the byte: 01010000 0 1111111.
    0x50, 0x7f,
    0xff, 0xd9,
  ]);
}

/** Debian's Python, which has numpy and Pillow when python3-numpy / python3-pil are installed. */
export const PYTHON = '/usr/bin/python3';

/** True when PYTHON exists and imports `module` (cross-checks skip without it). */
export function pythonHas(module: string): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
