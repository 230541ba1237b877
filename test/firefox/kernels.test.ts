/**
 * Every kernel's tests (test/kernels/*.test.ts, each kernel against the float64 reference on odd
 * shapes, every variant with the override sets the tests use) run again in Firefox ESR: a second
 * WebGPU implementation (wgpu, shaders compiled by Naga) on another Vulkan driver (Mesa's
 * lavapipe on a machine without a GPU; test/browser/harness.ts says how the files run there).
 * Firefox's software adapter is a fallback, on which the runtime itself picks the register
 * variants, so this is where the workgroup-tiled ones meet a scheduler other than SwiftShader's.
 * The subgroup variants run where the adapter has `subgroups` (Firefox here has not; the test
 * says so in its output).
 *
 * One test here per file; it fails with each failed test's name and message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterLine, openHarness, runTestFile, summary, testFiles, type Harness } from '../browser/harness.js';

const FILES = testFiles('test/kernels');
const OUTCOMES = 'test/browser/fixtures/outcomes.ts';
let harness: Harness;

beforeAll(async () => {
  harness = await openHarness('firefox', [OUTCOMES, ...FILES]);
  console.log(adapterLine('firefox', harness.adapter));
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe('kernel tests in Firefox', () => {
  it('the page reports each test as it ended (a fixture of known outcomes)', async () => {
    const results = await runTestFile(harness, OUTCOMES);
    expect(results.map((r) => [r.name, r.state])).toEqual([
      ['outcomes > passes', 'pass'],
      ['outcomes > fails an equality, with its message', 'fail'],
      ['outcomes > fails a comparison with the reference, with the worst index', 'fail'],
      ['outcomes > awaits a rejection', 'pass'],
      ['outcomes > skips itself', 'skip'],
      ['outcomes > times out', 'fail'],
      ['outcomes > reads the repository through node:fs', 'pass'],
      ['outcomes > fails on a validation error in the GPU scope', 'fail'],
      ["after a failed beforeAll > fails with the hook's error", 'fail'],
    ]);
    const error = (name: string) => results.find((r) => r.name.endsWith(name))?.error ?? '';
    expect(error('fails an equality, with its message')).toMatch(/^the sum: expected 2 to be 3/);
    expect(error('with the worst index')).toMatch(/^fixture: 1\/3 outside atol=0.001 rtol=0; \[2\] got 2 want 2.5/);
    expect(error('times out')).toMatch(/timed out after 300 ms/);
    expect(error('in the GPU scope')).toMatch(/^fixture buffer: validation error: /);
    expect(error('hook\'s error')).toMatch(/^beforeAll failed: setup broke/);
  });

  for (const file of FILES) {
    it(file, async () => {
      const results = await runTestFile(harness, file);
      console.log(summary(file, results));
      expect(results.length, `${file}: tests collected in the page`).toBeGreaterThan(0);
      const failed = results.filter((r) => r.state === 'fail').map((r) => `${r.name}: ${r.error}`);
      expect(failed, `${file} in Firefox`).toEqual([]);
      // Only the subgroup variants may be left out, and only on an adapter without subgroups.
      const skipped = results.filter((r) => r.state === 'skip').map((r) => r.name);
      const subgroups = harness.adapter.features.includes('subgroups');
      expect(skipped.filter((n) => subgroups || !/subgroups/.test(n)), `${file}: skipped in Firefox`).toEqual([]);
    }, 600_000);
  }
});
