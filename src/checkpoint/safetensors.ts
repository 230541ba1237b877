/**
 * The safetensors format (https://github.com/huggingface/safetensors): a u64 little-endian
 * header length N, N bytes of JSON header, then the raw tensor bytes. The codec validates every
 * field so a broken or hostile file fails with one line naming the file and the numbers, never
 * with a wrong model. No dependencies: it ships in the browser bundle. What the tensors are
 * called and how they map to the runtime's parameters is in checkpoint.ts.
 */

/** Element types this reader understands; all are converted to float32 on load. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';
/** A tensor as written (always F32). */
export interface F32Tensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}
/** A tensor as read: `dtype` is the file's type, `data` holds its values as float32. */
export interface DecodedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/** Largest JSON header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const SUPPORTED = Object.keys(DTYPE_BYTES).join(', ');
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `[a, b, c]` for messages. */
export const shapeText = (s: readonly unknown[]) => `[${s.join(', ')}]`;
/** A value as short one-line text for messages. */
export function show(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Orders names by their UTF-8 bytes, as the reference implementation's Rust string sort does. */
function byUtf8(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) if (ea[i] !== eb[i]) return ea[i] - eb[i];
  return ea.length - eb.length;
}

/**
 * Serialises F32 tensors (sorted by name, packed back to back) and optional string metadata.
 * The header is padded with spaces to a multiple of 8 bytes, so the data section starts aligned.
 */
export function encodeSafetensors(tensors: Map<string, F32Tensor>, metadata?: Record<string, string>): Uint8Array {
  const names = [...tensors.keys()].sort(byUtf8);
  const entries: string[] = [];
  if (metadata) {
    const keys = Object.keys(metadata).sort(byUtf8);
    for (const k of keys) if (typeof metadata[k] !== 'string') throw new Error(`safetensors: metadata ${show(k)} is ${show(metadata[k])}, values must be strings`);
    entries.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (name === METADATA_KEY) throw new Error(`safetensors: ${METADATA_KEY} is reserved and cannot name a tensor`);
    if (t.dtype !== 'F32') throw new Error(`safetensors: tensor ${show(name)} has dtype ${show(t.dtype)}, only F32 is written`);
    let n = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new Error(`safetensors: tensor ${show(name)} has shape ${shapeText(t.shape)}, dims must be whole numbers >= 0`);
      n *= d;
    }
    if (n !== t.data.length) throw new Error(`safetensors: tensor ${show(name)} has shape ${shapeText(t.shape)} = ${n} values but ${t.data.length} in its data`);
    entries.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + 4 * n}]}`);
    offset += 4 * n;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    else for (let i = 0; i < d.length; i++) view.setFloat32(at + 4 * i, d[i], true);
    at += d.byteLength;
  }
  return out;
}

/**
 * The first key that repeats inside one JSON object, as a path from the top level, or null.
 * JSON.parse keeps only the last of duplicate keys, so they are found on the raw text, which
 * must already be known to be valid JSON: then every `"` outside a string starts a string,
 * `\` inside a string escapes exactly the next character, and a string right after `{` or `,`
 * in an object is a key.
 */
function duplicateKey(text: string): string[] | null {
  interface Frame { keys: Set<string> | null; expectKey: boolean; lastKey: string }
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return [...stack.slice(0, -1).map((f) => f.lastKey), key];
        top.keys.add(key);
        top.expectKey = false;
        top.lastKey = key;
      }
      i = j;
    } else if (c === 0x7b) stack.push({ keys: new Set(), expectKey: true, lastKey: '' });
    else if (c === 0x5b) stack.push({ keys: null, expectKey: false, lastKey: '' });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c && top?.keys) top.expectKey = true;
  }
  return null;
}

/** A whole number in [0, 2^53), or an Error naming where it was found. */
function wholeNumber(fail: (m: string) => never, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is ${show(v)}, must be a whole number in [0, 2^53)`);
  return v;
}

/** Float32 values of `n` elements of `dtype` starting at `at` (any alignment), in a fresh array. */
function toFloat32(bytes: Uint8Array, at: number, n: number, dtype: SafetensorsDtype): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, n * DTYPE_BYTES[dtype]);
  if (dtype === 'F32') {
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(at, at + 4 * n));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32: exact, NaN payloads included.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else if (dtype === 'F16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    // float64 rounds to nearest float32; values beyond its range become +-Infinity.
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  }
  return out;
}

/** IEEE 754 binary16 bits to a number (every half is exact in float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Parses and validates a safetensors file. Tensors must tile the data section exactly (no
 * overlap, hole or trailing byte). F16, BF16 and F64 are converted to float32; the returned
 * `dtype` is the file's. Every problem throws one line: `${name}: <problem with numbers>`.
 */
export function decodeSafetensors(bytes: Uint8Array, name: string): { tensors: Map<string, DecodedTensor>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new Error(`${name}: ${msg}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`header length ${declared} bytes is over the ${MAX_HEADER_BYTES}-byte (100 MB) limit`);
  const headerLen = Number(declared);
  if (headerLen > bytes.length - 8) fail(`header length ${headerLen} bytes runs past the end of the ${bytes.length}-byte file`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    fail(`header (${headerLen} bytes) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    const why = String((e as Error).message).replace(/\s+/g, ' ');
    fail(`header (${headerLen} bytes) is not JSON: ${why.length > 120 ? `${why.slice(0, 117)}...` : why}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail(`header is ${Array.isArray(header) ? 'an array' : show(header)}, must be a JSON object`);
  }
  const dup = duplicateKey(text);
  if (dup) {
    if (dup.length === 1) fail(`duplicate tensor name ${show(dup[0])} in the header (JSON would keep only the last)`);
    fail(`header entry ${show(dup[0])} repeats the key ${show(dup[dup.length - 1])}`);
  }

  const entries = Object.entries(header as Record<string, unknown>);
  let metadata: Record<string, string> = {};
  const meta = (header as Record<string, unknown>)[METADATA_KEY];
  if (meta !== undefined) {
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) fail(`${METADATA_KEY} is ${show(meta)}, must be an object of strings`);
    for (const [k, v] of Object.entries(meta as object)) {
      if (typeof v !== 'string') fail(`${METADATA_KEY} ${show(k)} is ${show(v)}, values must be strings`);
    }
    metadata = Object.fromEntries(Object.entries(meta as Record<string, string>));
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const infos: { key: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number; n: number }[] = [];
  for (const [key, entry] of entries) {
    if (key === METADATA_KEY) continue;
    const where = `tensor ${show(key)}`;
    const bad = (m: string): never => fail(`${where}: ${m}`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) bad(`entry is ${show(entry)}, must be an object with dtype, shape and data_offsets`);
    const e = entry as Record<string, unknown>;
    for (const field of ['dtype', 'shape', 'data_offsets']) if (!(field in e)) bad(`missing "${field}"`);
    for (const field of Object.keys(e)) if (!['dtype', 'shape', 'data_offsets'].includes(field)) bad(`unknown field ${show(field)}`);
    if (typeof e.dtype !== 'string') bad(`dtype is ${show(e.dtype)}, must be a string`);
    const dtype = e.dtype as string;
    if (!Object.hasOwn(DTYPE_BYTES, dtype)) bad(`dtype ${show(dtype)} is not supported (supported: ${SUPPORTED})`);
    if (!Array.isArray(e.shape)) bad(`shape is ${show(e.shape)}, must be a list of whole numbers`);
    const shape = (e.shape as unknown[]).map((d, i) => wholeNumber(bad, `shape[${i}]`, d));
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2) bad(`data_offsets is ${show(offs)}, must be [begin, end]`);
    const [begin, end] = (offs as unknown[]).map((o, i) => wholeNumber(bad, `data_offsets[${i}]`, o));
    if (end < begin) bad(`data_offsets [${begin}, ${end}] end before they begin`);
    let n = 1;
    for (const d of shape) n *= d;
    const size = DTYPE_BYTES[dtype as SafetensorsDtype];
    if (!Number.isSafeInteger(n * size)) bad(`shape ${shapeText(shape)} is too large to address`);
    if (n * size !== end - begin) bad(`${dtype} ${shapeText(shape)} is ${n * size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    if (end > dataLen) bad(`data_offsets [${begin}, ${end}] run past the end of the ${dataLen}-byte data section`);
    infos.push({ key, dtype: dtype as SafetensorsDtype, shape, begin, end, n });
  }

  // The sorted ranges must tile [0, dataLen): each starts exactly where the previous ended.
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: (typeof infos)[number] | null = null;
  for (const t of sorted) {
    if (t.begin < cursor) fail(`tensor ${show(t.key)} data_offsets [${t.begin}, ${t.end}] overlap tensor ${show(prev!.key)} [${prev!.begin}, ${prev!.end}]`);
    if (t.begin > cursor) fail(`data bytes [${cursor}, ${t.begin}) before tensor ${show(t.key)} belong to no tensor (a hole)`);
    cursor = t.end;
    prev = t;
  }
  if (cursor !== dataLen) fail(`${dataLen - cursor} trailing bytes after the last tensor (data section is ${dataLen} bytes, tensors end at ${cursor})`);

  const tensors = new Map<string, DecodedTensor>();
  for (const t of infos) tensors.set(t.key, { dtype: t.dtype, shape: t.shape, data: toFloat32(bytes, dataStart + t.begin, t.n, t.dtype) });
  return { tensors, metadata };
}
