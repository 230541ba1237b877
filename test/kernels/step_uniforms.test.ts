// The per-step uniform: one `struct Step` declared once and included by four shaders, one
// layout in TypeScript packed against it; and the text the two loss kernels share. Shaders are
// read as the build expands them (scripts/wgsl.mjs), which is what the GPU compiles.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandWgsl, structLayouts } from '../../scripts/wgsl.mjs';
import { resolveAdam } from '../../src/config.js';
import { STEP_UNIFORM_BYTES, encodeStepUniform } from '../../src/kernels/step_uniforms.js';

const SHADERS = ['reparameterize.wgsl', 'bce_kl.wgsl', 'gaussian_kl.wgsl', 'adam.wgsl', 'gaussian_logstd.wgsl'];
const shaderDir = new URL('../../shaders/', import.meta.url).pathname;
const source = (name: string) => expandWgsl(`${shaderDir}${name}`, shaderDir).code;
/** Every .wgsl file under shaders/ as written (not expanded), by path under shaders/. */
function writtenShaders(dir = ''): [string, string][] {
  return readdirSync(`${shaderDir}${dir}`, { withFileTypes: true }).flatMap((e): [string, string][] =>
    e.isDirectory() ? writtenShaders(`${dir}${e.name}/`) : e.name.endsWith('.wgsl') ? [[`${dir}${e.name}`, readFileSync(`${shaderDir}${dir}${e.name}`, 'utf8')]] : []);
}

/** The body of `struct <name> { ... }` with comments removed and whitespace collapsed; throws if absent. */
function structBody(wgsl: string, name: string, file: string): string {
  const code = wgsl.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(code);
  if (!m) throw new Error(`${file}: no struct ${name}`);
  return m[1].replace(/\s+/g, '');
}

// WGSL alignment and size of the scalar and vector types a uniform struct of this kind uses
// (WGSL spec, "Alignment and Size"): vec2 aligns to 8, vec3 and vec4 to 16.
const TYPES: Record<string, [align: number, size: number]> = {
  u32: [4, 4], i32: [4, 4], f32: [4, 4],
  vec2: [8, 8], vec3: [16, 12], vec4: [16, 16],
};

/** Member offsets and the struct size by the WGSL layout rules. */
function layout(body: string, file: string): { offsets: Map<string, number>; size: number } {
  const offsets = new Map<string, number>();
  let offset = 0;
  let maxAlign = 1;
  for (const member of body.split(',').filter((s) => s.length > 0)) {
    const m = /^(\w+):(\w+)(<\w+>)?$/.exec(member);
    if (!m || !(m[2] in TYPES)) throw new Error(`${file}: unsupported member '${member}'`);
    const [align, size] = TYPES[m[2]];
    offset = Math.ceil(offset / align) * align;
    offsets.set(m[1], offset);
    offset += size;
    maxAlign = Math.max(maxAlign, align);
  }
  return { offsets, size: Math.ceil(offset / maxAlign) * maxAlign };
}

describe('struct Step', () => {
  const bodies = SHADERS.map((f) => structBody(source(f), 'Step', f));

  it('is textually the same in every shader that binds it', () => {
    for (let i = 1; i < SHADERS.length; i++) expect(bodies[i], `${SHADERS[i]} vs ${SHADERS[0]}`).toBe(bodies[0]);
  });

  it('is declared once, in common/step.wgsl, and every shader that binds it includes that file', () => {
    const declaring = writtenShaders().filter(([, text]) => /struct\s+Step\s*\{/.test(text)).map(([name]) => name);
    expect(declaring).toEqual(['common/step.wgsl']);
    for (const f of SHADERS) expect(source(f).match(/struct\s+Step\s*\{/g), f).toHaveLength(1);
  });

  it("the build step's layout (which the TypeScript packing uses) equals the WGSL rules computed here", () => {
    const { offsets, size } = layout(bodies[0], SHADERS[0]);
    const built = structLayouts(source(SHADERS[0])).Step;
    expect(built.size).toBe(size);
    expect(built.fields.map((f) => [f.name, f.offset])).toEqual([...offsets]);
  });

  it(`is ${STEP_UNIFORM_BYTES} bytes with 4 u32, 3 f32 and a pad word in that order`, () => {
    const { offsets, size } = layout(bodies[0], SHADERS[0]);
    expect(size, 'WGSL size of struct Step').toBe(STEP_UNIFORM_BYTES);
    expect(STEP_UNIFORM_BYTES).toBe(32);
    expect([...offsets]).toEqual([
      ['t', 0], ['seed', 4], ['count', 8], ['history_slot', 12], ['step_size', 16], ['bc2_sqrt', 20], ['kl_weight', 24], ['_pad', 28],
    ]);
  });

  it('encodeStepUniform writes each value at the offset the shader reads it from', () => {
    const { offsets } = layout(bodies[0], SHADERS[0]);
    const hp = resolveAdam({ lr: 3e-4, beta1: 0.8, beta2: 0.99 });
    const buf = encodeStepUniform({ t: 7, seed: 0xdeadbeef, count: 97, historySlot: 13, klWeight: 0.375 }, hp);
    expect(buf.byteLength).toBe(STEP_UNIFORM_BYTES);
    const view = new DataView(buf);
    const u = (name: string) => view.getUint32(offsets.get(name)!, true);
    const f = (name: string) => view.getFloat32(offsets.get(name)!, true);
    expect(u('t')).toBe(7);
    expect(u('seed')).toBe(0xdeadbeef);
    expect(u('count')).toBe(97);
    expect(u('history_slot')).toBe(13);
    expect(f('step_size')).toBe(Math.fround(3e-4 / (1 - 0.8 ** 7)));
    expect(f('bc2_sqrt')).toBe(Math.fround(Math.sqrt(1 - 0.99 ** 7)));
    expect(f('kl_weight')).toBe(0.375);
    // The padding is left zero, so the buffer's contents are fully determined; the KL weight defaults to 1.
    expect(view.getUint32(28, true)).toBe(0);
    expect(new DataView(encodeStepUniform({ t: 1, seed: 0, count: 1, historySlot: 0 }, hp)).getFloat32(24, true)).toBe(1);
  });
});

describe('encodeStepUniform', () => {
  it('default Adam at t = 1: step_size = 1e-3 / 0.1, bc2_sqrt = sqrt(0.001)', () => {
    const f = new Float32Array(encodeStepUniform({ t: 1, seed: 0, count: 128, historySlot: 0 }, resolveAdam({})));
    // Both are the float64 values rounded once to f32: at most half an ulp, |rel| <= 2^-24.
    expect(Math.abs(f[4] - 0.01) / 0.01).toBeLessThanOrEqual(2 ** -24);
    expect(Math.abs(f[5] - 0.0316227766016838) / 0.0316227766016838).toBeLessThanOrEqual(2 ** -24);
  });

  it('bias corrections for t = 1..1000 equal the float64 formulas rounded to f32', () => {
    for (const hp of [resolveAdam({}), resolveAdam({ lr: 0.05, beta1: 0.5, beta2: 0.9 })]) {
      for (let t = 1; t <= 1000; t++) {
        const f = new Float32Array(encodeStepUniform({ t, seed: 1, count: 1, historySlot: 0 }, hp));
        expect(f[4], `step_size t=${t} lr=${hp.lr}`).toBe(Math.fround(hp.lr / (1 - hp.beta1 ** t)));
        expect(f[5], `bc2_sqrt t=${t} beta2=${hp.beta2}`).toBe(Math.fround(Math.sqrt(1 - hp.beta2 ** t)));
        expect(Number.isFinite(f[4]) && Number.isFinite(f[5]) && f[5] > 0).toBe(true);
      }
    }
  });

  it('stores seeds above 2^31 as u32 and reuses a caller-supplied buffer', () => {
    const out = new ArrayBuffer(STEP_UNIFORM_BYTES);
    const ret = encodeStepUniform({ t: 3, seed: 0xffffffff, count: 5, historySlot: 2 }, resolveAdam({}), out);
    expect(ret).toBe(out);
    expect([...new Uint32Array(out, 0, 4)]).toEqual([3, 0xffffffff, 5, 2]);
  });
});

describe('struct Record (the loss history ring)', () => {
  it('is declared once, in common/record.wgsl', () => {
    expect(writtenShaders().filter(([, text]) => /struct\s+Record\s*\{/.test(text)).map(([name]) => name)).toEqual(['common/record.wgsl']);
  });

  it(`is identical in bce_kl.wgsl, gaussian_kl.wgsl and adam.wgsl and HISTORY_RECORD_BYTES long`, async () => {
    const { HISTORY_RECORD_BYTES } = await import('../../src/kernels/loss.js');
    const [a, b, c] = ['bce_kl.wgsl', 'gaussian_kl.wgsl', 'adam.wgsl'].map((f) => structBody(source(f), 'Record', f));
    expect(b).toBe(a);
    expect(c).toBe(a);
    const { offsets, size } = layout(a, 'bce_kl.wgsl');
    expect(size).toBe(HISTORY_RECORD_BYTES);
    // The host reads recon, kl, count, t and grad_sq at these offsets (src/gpu/history.ts).
    expect([...offsets]).toEqual([['recon', 0], ['kl', 4], ['count', 8], ['t', 12], ['grad_sq', 16], ['_pad0', 20], ['_pad1', 24], ['_pad2', 28]]);
  });
});

describe('the loss kernels bce_kl.wgsl and gaussian_kl.wgsl', () => {
  /** The text from `start` up to the next blank line or top-level `}` line, comments stripped. */
  function block(file: string, start: string): string {
    const code = source(file).replace(/\/\/[^\n]*/g, '');
    const i = code.indexOf(start);
    if (i < 0) throw new Error(`${file}: no '${start}'`);
    const end = code.indexOf('\n}\n', i);
    return code.slice(i, end).replace(/\s+/g, ' ');
  }

  for (const start of ['fn reduce(', 'fn kl_part(', 'fn total(']) {
    it(`share '${start}' word for word`, () => {
      expect(block('gaussian_kl.wgsl', start)).toBe(block('bce_kl.wgsl', start));
    });
  }

  it('share their bindings, workgroup size, override and workgroup memory line for line', () => {
    const declarations = (f: string) =>
      source(f).replace(/\/\/[^\n]*/g, '').split('\n').map((l) => l.trim()).filter((l) => /^(@group|override |const |var<workgroup>)/.test(l));
    const a = declarations('bce_kl.wgsl');
    expect(a.length).toBeGreaterThan(12);
    expect(declarations('gaussian_kl.wgsl')).toEqual(a);
  });

  it('run the same per_row apart from the pixel loop', () => {
    const outside = (f: string) => block(f, 'fn per_row(').replace(/for \(var p = lid;.*?let kl = kl_part/, 'PIXELS let kl = kl_part');
    expect(outside('gaussian_kl.wgsl')).toBe(outside('bce_kl.wgsl'));
  });
});
