/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), plain or gzipped:
 *
 *   "\x93NUMPY", major, minor, header length (u16 LE for 1.x, u32 LE for 2.x / 3.x),
 *   a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, F), }
 *   padded with spaces and a newline, then the C-order payload.
 *
 * Data arrays: float32, float64 (read as float32, the GPU's type) or uint8 (8-bit values,
 * scaled like pixels by default), little-endian, C order; shape [N, F] (feature rows),
 * [N, H, W] (one-channel images), [N, C, H, W], or [N, H, W, C] with `channelsLast`. Label
 * arrays: one dimension of N whole numbers >= 0, any integer dtype (or floats holding whole
 * numbers). Everything else is refused with one line saying what was found: big-endian or
 * Fortran-order headers, object and structured dtypes, a payload whose length is not what the
 * shape implies, non-finite values.
 */
import { checkAllocation, DataFileError, MAX_DATA_BYTES } from './data_file.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Longest header accepted (numpy itself refuses headers over 10,000 bytes by default). */
export const MAX_NPY_HEADER = 65536;

/** What an .npy header declares. */
export interface NpyHeader {
  /** Bytes before the payload. */
  headerBytes: number;
  /** The dtype string as written, e.g. '<f4'. */
  descr: string;
  /** Kind ('f', 'u', 'i', 'b', ...) and item size of the dtype. */
  kind: string;
  itemSize: number;
  shape: number[];
  /** Payload bytes: product(shape) x itemSize. */
  payload: number;
}

const shapeText = (shape: readonly number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

/**
 * Parses and validates the header of an .npy file from its first bytes; null when more bytes
 * are needed (`ended` false), so it can bound a gzip stream. Refuses what no reader here
 * accepts: bad magic, unknown version, big-endian, Fortran order, non-numeric dtypes.
 */
export function npyHeader(b: Uint8Array, file: string, ended = true): NpyHeader | null {
  const need = (n: number) => {
    if (b.length >= n) return true;
    if (!ended) return false;
    throw new DataFileError(file, null, `file is ${b.length} bytes, shorter than its .npy header (${n} bytes)`);
  };
  // The magic is checked on whatever bytes there are, so a wrong file fails at once.
  for (let i = 0; i < Math.min(6, b.length); i++) {
    if (b[i] !== MAGIC[i]) {
      const got = Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, '0')).join(' ');
      throw new DataFileError(file, null, `not a NumPy .npy file: magic bytes ${got}, expected 93 4e 55 4d 50 59 ("\\x93NUMPY")`);
    }
  }
  if (!need(10)) return null;
  const major = b[6];
  if (major < 1 || major > 3) throw new DataFileError(file, null, `.npy format version ${major}.${b[7]}, this reader knows 1.0, 2.0 and 3.0`);
  const lenBytes = major === 1 ? 2 : 4;
  if (!need(8 + lenBytes)) return null;
  const hlen = major === 1 ? b[8] | (b[9] << 8) : (b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0;
  if (hlen > MAX_NPY_HEADER) throw new DataFileError(file, null, `.npy header is ${hlen} bytes, more than the ${MAX_NPY_HEADER} accepted`);
  const headerBytes = 8 + lenBytes + hlen;
  if (!need(headerBytes)) return null;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(b.subarray(8 + lenBytes, headerBytes)).trim();
  const bad = (what: string): never => {
    throw new DataFileError(file, null, `.npy header ${what}: ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}...` : text)}`);
  };
  if (!text.startsWith('{') || !text.endsWith('}')) bad('is not a Python dict');
  const descrMatch = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrMatch) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new DataFileError(file, null, `a structured dtype (record fields) is not numeric data: save a plain float32, float64 or uint8 array`);
    bad("has no 'descr'");
  }
  const descr = descrMatch![2];
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortranMatch) bad("has no 'fortran_order' True or False");
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeMatch) bad("has no 'shape' tuple");
  const parts = shapeMatch![1].split(',').map((s) => s.trim().replace(/L$/, '')).filter((s) => s !== '');
  if (!parts.every((s) => /^[0-9]+$/.test(s))) bad('has a shape that is not whole numbers');
  const shape = parts.map(Number);
  const dt = /^([<>|=])([a-zA-Z])([0-9]+)$/.exec(descr);
  if (!dt) {
    const what = descr === '|O' || descr === 'O' ? 'Python objects (pickled)' : 'not a fixed-size number type';
    throw new DataFileError(file, null, `dtype '${descr}' is ${what}: save the array as float32, float64 or uint8`);
  }
  const [, order, kind, sizeText] = dt;
  const itemSize = Number(sizeText);
  if (order === '>' && itemSize > 1) throw new DataFileError(file, null, `big-endian data (dtype '${descr}'): save it little-endian, e.g. a.astype('<${kind}${itemSize}')`);
  if (fortranMatch![1] === 'True' && shape.filter((d) => d > 1).length > 1) {
    throw new DataFileError(file, null, `Fortran (column-major) order for shape ${shapeText(shape)}: save it in C order, e.g. np.save(path, np.ascontiguousarray(a))`);
  }
  if (!'fiub'.includes(kind)) throw new DataFileError(file, null, `dtype '${descr}' is not a real number type: save the array as float32, float64 or uint8`);
  let payload = itemSize;
  for (const d of shape) {
    payload *= d;
    if (!Number.isSafeInteger(payload) || payload > MAX_DATA_BYTES) {
      throw new DataFileError(file, null, `header declares shape ${shapeText(shape)} of '${descr}' = ${shape.reduce((a, x) => a * x, itemSize)} bytes, more than the ${MAX_DATA_BYTES} accepted`);
    }
  }
  return { headerBytes, descr, kind, itemSize, shape, payload };
}

/** The exact file size an .npy header implies (header + payload), for bounding a gzip stream. */
export function npyFileSize(head: Uint8Array, file: string, ended: boolean): number | null {
  const h = npyHeader(head, file, ended);
  return h && h.headerBytes + h.payload;
}

/** Header, then a check that the file holds exactly the payload its shape implies. */
function checkedHeader(b: Uint8Array, file: string): NpyHeader {
  const h = npyHeader(b, file)!;
  const want = h.headerBytes + h.payload;
  if (b.length !== want) {
    const how = b.length < want ? 'truncated' : `${b.length - want} trailing bytes`;
    throw new DataFileError(file, null, `file is ${b.length} bytes, but shape ${shapeText(h.shape)} of '${h.descr}' needs ${h.headerBytes} + ${h.payload} = ${want}: ${how}`);
  }
  return h;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The payload's numbers as float64 (any accepted kind and size), for labels. */
function numberAt(view: DataView, kind: string, size: number, o: number): number {
  if (kind === 'f') return size === 4 ? view.getFloat32(o, true) : size === 8 ? view.getFloat64(o, true) : NaN;
  if (kind === 'b' || size === 1) return kind === 'i' ? view.getInt8(o) : view.getUint8(o);
  if (size === 2) return kind === 'i' ? view.getInt16(o, true) : view.getUint16(o, true);
  if (size === 4) return kind === 'i' ? view.getInt32(o, true) : view.getUint32(o, true);
  if (size === 8) return Number(kind === 'i' ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
  return NaN;
}

/** A data array: 8-bit values or float32 values, with the shape of one row. */
export interface NpyData {
  count: number;
  /** [F] or [C, H, W]. */
  rowShape: number[];
  bytes: Uint8Array | null;
  values: Float32Array | null;
}

/**
 * The data of an uncompressed .npy file: float32, float64 (to float32) or uint8, shapes as the
 * module comment says. `channelsLast` reads [N, H, W, C] and stores rows as [C, H, W].
 */
export function parseNpyData(b: Uint8Array, file: string, opts: { channelsLast?: boolean } = {}): NpyData {
  const h = checkedHeader(b, file);
  const { kind, itemSize, shape } = h;
  const dtypeOk = (kind === 'f' && (itemSize === 4 || itemSize === 8)) || (kind === 'u' && itemSize === 1);
  if (!dtypeOk) throw new DataFileError(file, null, `dtype '${h.descr}' is not float32, float64 or uint8: convert it, e.g. a.astype('float32')`);
  if (shape.length < 2 || shape.length > 4) {
    throw new DataFileError(file, null, `shape ${shapeText(shape)}: data need (N, features), (N, H, W) or (N, C, H, W)${shape.length === 1 ? ' (a 1-D array is read as labels, e.g. train_labels.npy)' : ''}`);
  }
  if (opts.channelsLast && shape.length !== 4) throw new DataFileError(file, null, `--channels-last needs an array (N, H, W, C), got shape ${shapeText(shape)}`);
  const count = shape[0];
  if (count === 0) throw new DataFileError(file, null, `shape ${shapeText(shape)} holds no rows`);
  if (shape.slice(1).some((d) => d === 0)) throw new DataFileError(file, null, `shape ${shapeText(shape)}: each row is empty`);
  const rowShape = shape.length === 2 ? [shape[1]] : shape.length === 3 ? [1, shape[1], shape[2]] : opts.channelsLast ? [shape[3], shape[1], shape[2]] : shape.slice(1);
  const n = h.payload / itemSize;
  const at = b.byteOffset + h.headerBytes;
  let bytes: Uint8Array | null = null;
  let values: Float32Array | null = null;
  if (kind === 'u') bytes = b.slice(h.headerBytes);
  else {
    checkAllocation(file, 4 * n, `${n} float32 values`);
    if (itemSize === 4 && littleEndianHost) values = new Float32Array(b.buffer.slice(at, at + h.payload));
    else {
      values = new Float32Array(n);
      const view = new DataView(b.buffer, at, h.payload);
      for (let i = 0; i < n; i++) values[i] = itemSize === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
    }
    const p = n / count;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) {
        const what = Number.isNaN(values[i]) ? 'NaN' : itemSize === 8 && Number.isFinite(new DataView(b.buffer, at + 8 * i, 8).getFloat64(0, true)) ? 'beyond float32 range' : String(values[i]);
        throw new DataFileError(file, `row ${Math.floor(i / p)} element ${i % p}`, `value is ${what}; data must be finite numbers`);
      }
    }
  }
  if (opts.channelsLast) {
    const [c, hh, w] = rowShape;
    const src = (bytes ?? values)!;
    const dst = bytes ? new Uint8Array(src.length) : new Float32Array(src.length);
    const p = c * hh * w;
    for (let r = 0; r < count; r++) {
      for (let y = 0; y < hh; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) dst[r * p + k * hh * w + y * w + x] = src[r * p + (y * w + x) * c + k];
    }
    if (bytes) bytes = dst as Uint8Array;
    else values = dst as Float32Array;
  }
  return { count, rowShape, bytes, values };
}

/**
 * The labels of an uncompressed .npy file: one dimension, whole numbers >= 0 below 2^32 (any
 * integer dtype, or floats holding whole numbers). Bytes when every label is below 256.
 */
export function parseNpyLabels(b: Uint8Array, file: string): Uint8Array | Uint32Array {
  const h = checkedHeader(b, file);
  if (h.shape.length !== 1) throw new DataFileError(file, null, `labels need one dimension (N,), got shape ${shapeText(h.shape)}`);
  if (!'iubf'.includes(h.kind) || (h.kind === 'f' && h.itemSize !== 4 && h.itemSize !== 8)) throw new DataFileError(file, null, `labels of dtype '${h.descr}': save them as integers`);
  const n = h.shape[0];
  const view = new DataView(b.buffer, b.byteOffset + h.headerBytes, h.payload);
  const out = new Uint32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = numberAt(view, h.kind, h.itemSize, i * h.itemSize);
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new DataFileError(file, `label ${i}`, `is ${v}; labels must be whole numbers from 0 to ${0xffffffff}`);
    out[i] = v;
    if (v > max) max = v;
  }
  return max < 256 ? Uint8Array.from(out) : out;
}

/**
 * An .npy file (version 1.0, C order, little-endian) of `data` with `shape`; its header is
 * padded so that the payload starts at a multiple of 64, as numpy writes it.
 */
export function encodeNpy(data: Float32Array | Uint8Array | Uint32Array, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Uint32Array ? '<u4' : '|u1';
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`npy writer: shape ${shapeText(shape)} holds ${n} values, got ${data.length}`);
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = 10 + dict.length;
  if (dict.length > 0xffff) throw new Error(`npy writer: header of ${dict.length} bytes does not fit format 1.0`);
  const out = new Uint8Array(headerBytes + data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  out[8] = dict.length & 0xff;
  out[9] = dict.length >> 8;
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  const view = new DataView(out.buffer, headerBytes);
  if (data instanceof Uint8Array) out.set(data, headerBytes);
  else if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else data.forEach((v, i) => view.setUint32(4 * i, v, true));
  return out;
}
