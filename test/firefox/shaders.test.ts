/**
 * Every kernel's WGSL compiles under Firefox's compiler (Naga, in wgpu) as it does under Dawn's
 * (Tint, which every other test uses): each shader file as a module, then every pipeline the
 * runtime makes with its override constants, by building each model the library, CLI and page
 * offer in both kernel variants and running each once in Firefox (test/browser/page/shaders.ts).
 * The first error is reported with the kernel's pipeline label and the model. A self-check first
 * makes sure a broken shader and a broken override set do fail there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterLine, openHarness, runPageModule, type Harness } from '../browser/harness.js';
import type { CompileReport } from '../browser/page/shaders.js';

let harness: Harness;
let report: CompileReport;

beforeAll(async () => {
  harness = await openHarness('firefox', [], { shaders: 'test/browser/page/shaders.ts' });
  console.log(adapterLine('firefox', harness.adapter));
  report = await runPageModule<CompileReport>(harness, 'shaders', null);
  console.log(`models built in Firefox:\n  ${report.models.join('\n  ')}`);
}, 600_000);

afterAll(async () => {
  await harness?.close();
});

describe('shaders in Firefox', () => {
  it('a shader with an error and an invalid override set are reported, with their names', () => {
    expect(report.selfCheck.module).toMatch(/^self_check_broken\.wgsl: WGSL compilation failed\n\[error at self_check_broken\.wgsl:1:\d+\]/);
    expect(report.selfCheck.pipeline).toMatch(/^self_check\.main\[WG=0\]: /);
  });

  it('every shader file compiles (the subgroup ones where the adapter has subgroups)', () => {
    const subgroups = harness.adapter.features.includes('subgroups');
    for (const m of report.modules) {
      if (!m.compiled && m.note) console.log(`${m.name}: ${m.note}`);
      expect(m.compiled || (!subgroups && /subgroups/.test(m.note ?? '')), `${m.name} in Firefox: ${report.errors.find((e) => e.startsWith(m.name)) ?? m.note}`).toBe(true);
    }
    expect(report.modules.length).toBeGreaterThan(10);
  });

  it('every pipeline of every model, in both variants, is created and its dispatches encoded without an error', () => {
    console.log(`${report.pipelines.length} pipelines from ${new Set(report.pipelines.map((p) => p.module)).size} shader files`);
    expect(report.errors[0] ?? null, `first of ${report.errors.length} errors in Firefox`).toBeNull();
    for (const v of ['register', 'tiled']) expect(report.pipelines.some((p) => p.label.includes(`[${v}`)), `a ${v} pipeline was built`).toBe(true);
  });

  it('every entry point of every compiled shader has a pipeline (those no model builds with their default overrides)', () => {
    if (report.unbuilt.length) console.log(`built by no model, compiled with their default overrides: ${report.unbuilt.join(', ')}`);
    const built = new Set(report.pipelines.map((p) => `${p.module}:${p.entry}`));
    for (const m of report.modules.filter((x) => x.compiled)) for (const e of m.entries) expect(built.has(`${m.name}:${e}`), `${m.name}:${e} has a pipeline`).toBe(true);
  });
});
