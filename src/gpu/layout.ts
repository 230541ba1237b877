/**
 * Host-side view of a WGSL source: the expanded text, where each line came from, and the byte
 * layout of its structs, all produced at build time by scripts/wgsl.mjs. Uniforms are packed by
 * member name against the layout WGSL declares, so a layout is written once, in WGSL.
 */

/** One member of a struct: its WGSL type and byte offset. */
export interface StructField {
  name: string;
  type: string;
  offset: number;
}

/** A struct's size and members, by the WGSL alignment rules. */
export interface StructLayout {
  size: number;
  fields: StructField[];
}

/** A shader as imported: expanded code, a line map back to the files, struct layouts and integer constants. */
export interface WgslSource {
  /** File name under shaders/, e.g. `bce_kl.wgsl`. */
  name: string;
  /** The expanded code; stripped of comments and indentation, line for line, in a build step import. */
  code: string;
  /** Runs of lines: [first line of `code` (1-based), file under shaders/, its line]. */
  lineMap: [number, string, number][];
  /** One base-36 digit per line of `code`: the leading characters the build step stripped (none when absent). */
  indent?: string;
  structs: Record<string, StructLayout>;
  /** Module-scope integer constants by name (`const ACT_RELU: u32 = 1u;`); every build step import has them. */
  consts?: Record<string, number>;
}

/** Where line `line` (1-based) of the expanded code was written: `common/step.wgsl:12`. */
export function sourceLine(src: WgslSource, line: number): string {
  let run: [number, string, number] | undefined;
  for (const r of src.lineMap) {
    if (r[0] > line) break;
    run = r;
  }
  return run ? `${run[1]}:${run[2] + line - run[0]}` : `${src.name}:${line}`;
}

/** Where line `line`, column `column` (1-based) of the code was written: `common/step.wgsl:12:5`. */
export function sourcePosition(src: WgslSource, line: number, column: number): string {
  const stripped = src.indent ? parseInt(src.indent[line - 1] ?? '0', 36) : 0;
  return `${sourceLine(src, line)}:${column + stripped}`;
}

/** The layout of `struct name` in `src`; throws naming the shader when it has none. */
export function structOf(src: WgslSource, name: string): StructLayout {
  const s = src.structs[name];
  if (!s) throw new Error(`${src.name}: no struct ${name} made of scalars and vectors`);
  return s;
}

/** Values by member name; vector members take arrays. Members named `_pad...` may be left out (0). */
export type StructValues = Record<string, number | readonly number[]>;

/**
 * Packs `values` into `out` (a fresh buffer of the struct's size by default) at the offsets the
 * WGSL layout gives. Every member but padding must be given, and nothing else: a renamed or
 * reordered member fails here, with its name, instead of being read as the wrong number.
 */
export function packStruct(layout: StructLayout, values: StructValues, out = new ArrayBuffer(layout.size), what = 'struct'): ArrayBuffer {
  if (out.byteLength < layout.size) throw new Error(`${what}: buffer of ${out.byteLength} bytes, the struct needs ${layout.size}`);
  const view = new DataView(out);
  const known = new Set(layout.fields.map((f) => f.name));
  for (const k of Object.keys(values)) if (!known.has(k)) throw new Error(`${what}: no member ${k} (members: ${[...known].join(', ')})`);
  for (const f of layout.fields) {
    const v = values[f.name];
    if (v === undefined) {
      if (f.name.startsWith('_pad')) continue;
      throw new Error(`${what}: no value for member ${f.name}`);
    }
    const scalar = f.type.replace(/^vec[234]<(\w+)>$/, '$1');
    const lanes = scalar === f.type ? 1 : Number(f.type[3]);
    const list = typeof v === 'number' ? [v] : v;
    if (list.length !== lanes) throw new Error(`${what}: member ${f.name} is ${f.type}, got ${list.length} values`);
    list.forEach((x, i) => {
      const o = f.offset + 4 * i;
      if (scalar === 'f32') view.setFloat32(o, x, true);
      else if (scalar === 'i32') view.setInt32(o, x, true);
      else view.setUint32(o, x >>> 0, true);
    });
  }
  return out;
}

/** Byte offset of member `name`; throws when the struct has no such member. */
export function offsetOf(layout: StructLayout, name: string): number {
  const f = layout.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no member ${name} (members: ${layout.fields.map((x) => x.name).join(', ')})`);
  return f.offset;
}
