// The WGSL build step: each `shaders/*.wgsl` file becomes a module whose default export is
// { name, code, lineMap, indent, structs, consts }, with its `#include "file.wgsl"` lines replaced by those files.
//
// Why our own step: wgsl-preprocessor (the usual tool) is a tagged template for JavaScript
// template literals. It has no way to read a file, so an include there means pasting WGSL into
// TypeScript strings, which is what the project's style rules out (errors would point at
// generated lines). Variants are WGSL `override` constants instead of `#if` blocks.
//
// - Includes resolve relative to the including file and are expanded once per shader (a second
//   `#include` of the same file is dropped), so a shared struct is declared exactly once.
// - `lineMap` maps lines of `code` back to the file and line they came from: compile errors are
//   reported as `[error at common/loss.wgsl:41:7]`, never at a line of the expanded text.
// - `structs` is the byte layout of every struct whose members are scalars or vectors, by the
//   WGSL alignment rules: the TypeScript side packs uniforms by member name against it
//   (src/gpu/layout.ts), so a layout is written once, in WGSL.
// - `consts` holds the module-scope integer constants (`const ACT_RELU: u32 = 1u;`), so codes the
//   host passes as pipeline constants are written once, in WGSL (src/layers/activation.ts).
// - The imported `code` is stripped (stripWgsl): comments and indentation go, which is most of the
//   text a page downloads, while every line stays on its line (a comment line becomes an empty
//   one), so `lineMap` holds as it is; `indent` keeps each line's stripped indentation, so a compile
//   error's column is the column as written too. The files under shaders/ stay the source.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const INCLUDE = /^[ \t]*#include[ \t]+"([^"]+)"[ \t]*(\/\/.*)?$/;

/** Expands includes; returns the text, the files read, and a [line of code, file, line] run table. */
export function expandWgsl(path, root = dirname(path)) {
  const seen = new Set();
  const out = [];
  /** Runs: [first line of code (1-based), file relative to root, its first line]. */
  const lineMap = [];
  const visit = (file, chain) => {
    const abs = resolve(file);
    if (chain.includes(abs)) throw new Error(`${relative(root, abs)}: #include cycle: ${[...chain, abs].map((f) => relative(root, f)).join(' -> ')}`);
    if (seen.has(abs)) return;
    seen.add(abs);
    const name = relative(root, abs).split('\\').join('/');
    let text;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      const from = chain.length ? ` (included from ${relative(root, chain[chain.length - 1])})` : '';
      throw new Error(`${name}: cannot read${from}: ${e.message}`);
    }
    const lines = text.replace(/\r\n/g, '\n').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let runStart = -1;
    lines.forEach((line, i) => {
      const m = INCLUDE.exec(line);
      if (m) {
        runStart = -1;
        visit(join(dirname(abs), m[1]), [...chain, abs]);
        return;
      }
      if (line.trimStart().startsWith('#')) throw new Error(`${name}:${i + 1}: unknown directive '${line.trim()}' (only #include "file.wgsl" is understood)`);
      if (runStart < 0) {
        runStart = i;
        lineMap.push([out.length + 1, name, i + 1]);
      }
      out.push(line);
    });
  };
  visit(path, []);
  return { code: `${out.join('\n')}\n`, files: [...seen], lineMap };
}

// WGSL "Alignment and Size" for the member types a host-written struct uses.
const TYPES = {
  u32: [4, 4], i32: [4, 4], f32: [4, 4],
  vec2: [8, 8], vec3: [16, 12], vec4: [16, 16],
};

/** Layouts of the structs made only of scalars and vectors: { Name: { size, fields: [{ name, type, offset }] } }. */
export function structLayouts(code) {
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const out = {};
  for (const m of bare.matchAll(/struct\s+(\w+)\s*\{([^}]*)\}/g)) {
    const fields = [];
    let offset = 0;
    let maxAlign = 1;
    let plain = true;
    for (const member of m[2].split(',').map((s) => s.replace(/\s+/g, '')).filter((s) => s.length > 0)) {
      const f = /^(\w+):(u32|i32|f32|vec[234])(?:<(u32|i32|f32)>)?$/.exec(member);
      if (!f) {
        plain = false;
        break;
      }
      const [align, size] = TYPES[f[2]];
      offset = Math.ceil(offset / align) * align;
      fields.push({ name: f[1], type: f[3] ? `${f[2]}<${f[3]}>` : f[2], offset });
      offset += size;
      maxAlign = Math.max(maxAlign, align);
    }
    if (plain) out[m[1]] = { size: Math.ceil(offset / maxAlign) * maxAlign, fields };
  }
  return out;
}

/** Module-scope integer constants: `const NAME(: u32|i32)? = 12u;` -> { NAME: 12 }. */
export function integerConstants(code) {
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const out = {};
  for (const m of bare.matchAll(/^const\s+(\w+)\s*(?::\s*(?:u32|i32))?\s*=\s*(-?\d+)[ui]?\s*;/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** The widest indentation `indent` records (one base-36 digit per line); what is wider stays in the code. */
const MAX_INDENT = 35;

/**
 * `code` without comments (`//` to the end of the line, and `/* ... *\/` blocks, which nest in
 * WGSL) and without leading and trailing whitespace, line for line: line i of the result is line
 * i of `code` as the compiler reads it, so errors map back through the same line table. WGSL has
 * no string literals, so `//` always starts a comment. A block comment inside a line becomes as
 * many spaces, so what follows keeps its column. `indent` has one base-36 digit per line: how many
 * leading characters were taken, added back to a compiler's column (sourcePosition in
 * src/gpu/layout.ts); indentation wider than MAX_INDENT keeps the rest in the code.
 */
export function stripWgsl(code) {
  let depth = 0;
  const lines = [];
  let indent = '';
  for (const line of code.replace(/\n$/, '').split('\n')) {
    let kept = '';
    for (let i = 0; i < line.length; ) {
      const two = line.slice(i, i + 2);
      if (two === '/*') {
        depth++;
        kept += '  ';
        i += 2;
      } else if (depth > 0 && two === '*/') {
        depth--;
        kept += '  ';
        i += 2;
      } else if (depth === 0 && two === '//') {
        break;
      } else {
        kept += depth > 0 ? ' ' : line[i];
        i++;
      }
    }
    const body = kept.trimEnd();
    const lead = Math.min(body.length - body.trimStart().length, MAX_INDENT);
    lines.push(body.slice(lead));
    indent += lead.toString(36);
  }
  if (depth > 0) throw new Error(`unterminated /* comment (${depth} open at the end)`);
  return { code: `${lines.join('\n')}\n`, indent };
}

/** The JavaScript module a `.wgsl` import becomes (its code stripped), and the files it was made from. */
export function wgslModule(path, root) {
  const expanded = expandWgsl(path, root);
  const name = relative(root, path).split('\\').join('/');
  let stripped;
  try {
    stripped = stripWgsl(expanded.code);
  } catch (e) {
    throw new Error(`${name}: ${e.message}`);
  }
  const { code, indent } = stripped;
  // Layouts and constants are read from the text as written: module scope is told by indentation there.
  const source = { name, code, lineMap: expanded.lineMap, indent, structs: structLayouts(expanded.code), consts: integerConstants(expanded.code) };
  return { contents: `export default ${JSON.stringify(source)};\n`, files: expanded.files };
}

/** esbuild plugin: `.wgsl` files import as expanded, stripped sources (see wgslModule). */
export function wgslPlugin(shaderRoot) {
  return {
    name: 'wgsl',
    setup(build) {
      build.onLoad({ filter: /\.wgsl$/ }, (args) => {
        try {
          const { contents, files } = wgslModule(args.path, shaderRoot);
          return { contents, loader: 'js', watchFiles: files };
        } catch (e) {
          return { errors: [{ text: e.message }] };
        }
      });
    },
  };
}
