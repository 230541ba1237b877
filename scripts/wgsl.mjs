// The WGSL build step: each `shaders/*.wgsl` file becomes a module whose default export is
// { name, code, lineMap, structs, consts }, with its `#include "file.wgsl"` lines replaced by those files.
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

/** The JavaScript module a `.wgsl` import becomes, and the files it was made from. */
export function wgslModule(path, root) {
  const { code, files, lineMap } = expandWgsl(path, root);
  const name = relative(root, path).split('\\').join('/');
  const source = { name, code, lineMap, structs: structLayouts(code), consts: integerConstants(code) };
  return { contents: `export default ${JSON.stringify(source)};\n`, files };
}

/** esbuild plugin: `.wgsl` files import as expanded sources (see wgslModule). */
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
