// The WGSL build step (scripts/wgsl.mjs): includes expanded once, errors that name the file and
// line as written, struct layouts by the WGSL rules, and compile errors mapped back to the files.
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandWgsl, integerConstants, stripWgsl, structLayouts, wgslModule } from '../../scripts/wgsl.mjs';
import { packStruct, sourceLine, type WgslSource } from '../../src/gpu/layout.js';
import { compileShader } from '../../src/gpu/shader.js';
import { testGpu } from '../util/gpu.js';

/** A folder of shader files from { name: text }. */
function shaders(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wgsl-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('includes', () => {
  const dir = shaders({
    'common/a.wgsl': '// a\nconst A: u32 = 1u;\n',
    'common/b.wgsl': '#include "a.wgsl"\nconst B: u32 = A + 1u;\n',
    'main.wgsl': '// main\n#include "common/a.wgsl"\n#include "common/b.wgsl"\nfn f() -> u32 { return B; }\n',
    'cycle1.wgsl': '#include "cycle2.wgsl"\n',
    'cycle2.wgsl': '#include "cycle1.wgsl"\n',
    'missing.wgsl': '\n#include "nowhere.wgsl"\n',
    'directive.wgsl': 'const X: u32 = 1u;\n#if X\n',
  });

  it('expands each file once, in order, and maps every line back to its file', () => {
    const { code, lineMap } = expandWgsl(join(dir, 'main.wgsl'), dir);
    expect(code).toBe('// main\n// a\nconst A: u32 = 1u;\nconst B: u32 = A + 1u;\nfn f() -> u32 { return B; }\n');
    expect(code.match(/const A/g)).toHaveLength(1);
    const src: WgslSource = { name: 'main.wgsl', code, lineMap, structs: {} };
    expect([1, 2, 3, 4, 5].map((l) => sourceLine(src, l))).toEqual(['main.wgsl:1', 'common/a.wgsl:1', 'common/a.wgsl:2', 'common/b.wgsl:2', 'main.wgsl:4']);
  });

  it('refuses cycles, missing files and unknown directives with the file and line', () => {
    expect(() => expandWgsl(join(dir, 'cycle1.wgsl'), dir)).toThrow('#include cycle: cycle1.wgsl -> cycle2.wgsl -> cycle1.wgsl');
    expect(() => expandWgsl(join(dir, 'missing.wgsl'), dir)).toThrow(/^nowhere\.wgsl: cannot read \(included from missing\.wgsl\)/);
    expect(() => expandWgsl(join(dir, 'directive.wgsl'), dir)).toThrow(`directive.wgsl:2: unknown directive '#if X' (only #include "file.wgsl" is understood)`);
  });

  it('a module exports the expanded source with its name under the shader folder', () => {
    const m = wgslModule(join(dir, 'main.wgsl'), dir);
    const src = JSON.parse(m.contents.replace(/^export default /, '').replace(/;\n$/, '')) as WgslSource;
    expect(src.name).toBe('main.wgsl');
    expect(m.files.map((f: string) => f.slice(dir.length + 1))).toEqual(['main.wgsl', 'common/a.wgsl', 'common/b.wgsl']);
  });
});

describe('struct layouts', () => {
  it('follow the WGSL alignment rules and skip structs with other members', () => {
    const s = structLayouts('struct U { a: f32, b: vec2<f32>, c: u32, d: vec4<f32>, e: vec3<u32>, } struct Arr { n: u32, xs: array<f32, 4>, }');
    expect(s.U.fields.map((f) => [f.name, f.offset])).toEqual([['a', 0], ['b', 8], ['c', 16], ['d', 32], ['e', 48]]);
    expect(s.U.size).toBe(64);
    expect(s.Arr).toBeUndefined();
  });

  it('pack by name, refusing unknown, missing and mis-sized members', () => {
    const [layout] = Object.values(structLayouts('struct S { n: u32, x: f32, v: vec2<i32>, _pad: u32, }'));
    const view = new DataView(packStruct(layout, { n: 7, x: 0.5, v: [-1, 2] }));
    expect([view.getUint32(0, true), view.getFloat32(4, true), view.getInt32(8, true), view.getInt32(12, true), view.getUint32(16, true)]).toEqual([7, 0.5, -1, 2, 0]);
    expect(() => packStruct(layout, { n: 1, x: 1, v: [1, 2], y: 3 }, undefined, 'S')).toThrow('S: no member y (members: n, x, v, _pad)');
    expect(() => packStruct(layout, { n: 1, v: [1, 2] }, undefined, 'S')).toThrow('S: no value for member x');
    expect(() => packStruct(layout, { n: 1, x: 1, v: [1] }, undefined, 'S')).toThrow('S: member v is vec2<i32>, got 1 values');
  });
});

it('a compile error points at the included file and line as written', async () => {
  const dir = shaders({
    'common/bad.wgsl': '// fine\nfn g() -> u32 { return undefined_name; }\n',
    'bad_main.wgsl': '// header\n#include "common/bad.wgsl"\n@compute @workgroup_size(1) fn main() { _ = g(); }\n',
  });
  const { code, lineMap } = expandWgsl(join(dir, 'bad_main.wgsl'), dir);
  const { device } = await testGpu();
  device.pushErrorScope('validation');
  const err = await compileShader(device, { name: 'bad_main.wgsl', code, lineMap, structs: {} }).then(() => null, (e: Error) => e);
  await device.popErrorScope();
  expect(err?.message).toMatch(/^bad_main\.wgsl: WGSL compilation failed\n\[error at common\/bad\.wgsl:2:\d+\] .*undefined_name/);
});

/** The default export of a `.wgsl` module as the build step writes it. */
function imported(path: string, root: string): WgslSource {
  return JSON.parse(wgslModule(path, root).contents.replace(/^export default /, '').replace(/;\n$/, '')) as WgslSource;
}

describe('stripping', () => {
  it('drops comments and indentation line for line, recording the indentation', () => {
    const text = '// header\n\nstruct S {\n  a: u32, // the count\n    b: f32,\n}\n  /* one /* nested */\n still */ const C = 1u;   \nfn f() { let x = /* inline */ 2u; }\n';
    const { code, indent } = stripWgsl(text);
    expect(code).toBe('\n\nstruct S {\na: u32,\nb: f32,\n}\n\nconst C = 1u;\nfn f() { let x =              2u; }\n');
    expect(indent).toBe('0002400' + (' still */ '.length).toString(36) + '0');
    expect(code.split('\n')).toHaveLength(text.split('\n').length);
  });

  it('refuses an unterminated block comment, naming the shader', () => {
    expect(() => stripWgsl('/* open\nconst A = 1u;\n')).toThrow('unterminated /* comment (1 open at the end)');
    const dir = shaders({ 'open.wgsl': 'const A = 1u;\n/* /* */\n' });
    expect(() => wgslModule(join(dir, 'open.wgsl'), dir)).toThrow('open.wgsl: unterminated /* comment (1 open at the end)');
  });

  // Every shader of the project, as the builds and the tests import it.
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../shaders');
  const files = readdirSync(root).filter((f) => f.endsWith('.wgsl'));

  it('keeps every shader\'s structs, constants, lines and tokens', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const written = expandWgsl(join(root, file), root);
      const src = imported(join(root, file), root);
      expect(src.structs, file).toEqual(structLayouts(written.code));
      expect(src.consts, file).toEqual(integerConstants(written.code));
      expect(Object.keys(src.structs).length + Object.keys(src.consts ?? {}).length, file).toBeGreaterThan(0);
      expect(src.lineMap, file).toEqual(written.lineMap);
      const lines = written.code.split('\n');
      const stripped = src.code.split('\n');
      expect(stripped, file).toHaveLength(lines.length);
      expect(src.indent, file).toHaveLength(lines.length - 1);
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').trimEnd();
        // The stripped line is the line as written without its comment, from the column `indent` gives.
        expect(stripped[i], `${file}:${i + 1}`).toBe(code.slice(parseInt(src.indent![i] ?? '0', 36)));
        expect(code.slice(0, parseInt(src.indent![i] ?? '0', 36)).trim(), `${file}:${i + 1}`).toBe('');
      });
      expect(src.code.length, file).toBeLessThan(written.code.length);
    }
  });
});

it('a compile error in a stripped shader points at the file, line and column as written', async () => {
  const dir = shaders({
    'common/bad.wgsl': '// fine\n// more\nfn g() -> u32 {\n    // indented comment\n    let k = 1u;\n    return k + undefined_name;\n}\n',
    'bad_main.wgsl': '// header\n#include "common/bad.wgsl"\n@compute @workgroup_size(1) fn main() { _ = g(); }\n',
  });
  const src = imported(join(dir, 'bad_main.wgsl'), dir);
  expect(src.code).not.toContain('//');
  const written = expandWgsl(join(dir, 'bad_main.wgsl'), dir);
  const { device } = await testGpu();
  const compileError = async (s: WgslSource) => {
    device.pushErrorScope('validation');
    const err = await compileShader(device, s).then(() => null, (e: Error) => e);
    await device.popErrorScope();
    return err?.message ?? '';
  };
  const message = await compileError(src);
  // Line 6 of common/bad.wgsl; the column of undefined_name there (1-based) is 16.
  const column = '    return k + undefined_name;'.indexOf('undefined_name') + 1;
  expect(message).toMatch(new RegExp(`^bad_main\\.wgsl: WGSL compilation failed\n\\[error at common/bad\\.wgsl:6:${column}\\] .*undefined_name`));
  // The same message as the text as written gives.
  expect(message).toBe(await compileError({ name: 'bad_main.wgsl', code: written.code, lineMap: written.lineMap, structs: {} }));
});
