// The layer registry without import cycles, checked on the source: the float64 reference's whole
// import closure holds no kernel wrapper, gpu/ module or shader; the model description (src/model/)
// imports no kernel wrapper or shader; src/gpu/ imports nothing model-specific; each layer type's
// file under src/layers/ imports its kernel wrapper and its reference; and src/ has no import
// cycle. Type-only imports are left out: they produce no code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : /\.ts$/.test(e) && !e.endsWith('.d.ts') ? [p] : [];
  });
}

/** Value imports (and re-exports) of a file: resolved paths of relative specifiers; `import type` and `export type` skipped. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    if (m[1]) continue;
    const spec = m[2];
    const target = resolve(dirname(file), spec);
    out.push(spec.endsWith('.wgsl') ? target : target.replace(/\.js$/, '.ts'));
  }
  return out;
}

const graph = new Map(files(src).map((f) => [f, imports(f)]));
const rel = (f: string) => relative(root, f);

/** Every file reachable from `start` by value imports. */
function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const g of graph.get(f) ?? []) stack.push(g);
  }
  return seen;
}

/** The import chain from `start` to a file matching `bad`, for the failure message. */
function chainTo(start: string, bad: (f: string) => boolean): string | null {
  const prev = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const f = queue.shift()!;
    if (bad(f)) {
      const path: string[] = [];
      for (let p: string | null = f; p; p = prev.get(p) ?? null) path.unshift(rel(p));
      return path.join(' -> ');
    }
    for (const g of graph.get(f) ?? []) if (!prev.has(g)) (prev.set(g, f), queue.push(g));
  }
  return null;
}

const under = (dir: string) => (f: string) => f.startsWith(join(src, dir) + '/');
const isShader = (f: string) => f.endsWith('.wgsl');

describe('the import structure', () => {
  it('the float64 reference imports no kernel wrapper, gpu/ module or shader, even through another module', () => {
    for (const f of files(join(src, 'reference'))) {
      expect(chainTo(f, (g) => under('kernels')(g) || under('gpu')(g) || isShader(g)), rel(f)).toBeNull();
    }
  });

  it('the model description imports no kernel wrapper or shader', () => {
    for (const f of files(join(src, 'model'))) expect(chainTo(f, (g) => under('kernels')(g) || isShader(g)), rel(f)).toBeNull();
    // The registry and the activations are part of the description: layer types come in by registration.
    for (const f of ['registry.ts', 'activation.ts', 'conv2d_geometry.ts']) expect(chainTo(join(src, 'layers', f), under('kernels')), f).toBeNull();
  });

  it('gpu/ imports nothing model-specific', () => {
    for (const f of files(join(src, 'gpu'))) {
      // record.wgsl: the loss record's layout; loop_limit.wgsl: a probe of the device, not of a model.
      for (const g of graph.get(f)!) expect(under('gpu')(g) || g.endsWith('common/record.wgsl') || g.endsWith('shaders/loop_limit.wgsl'), `${rel(f)} imports ${rel(g)}`).toBe(true);
    }
  });

  it('each layer type is one file under src/layers/ that imports its kernel wrapper and its reference', () => {
    const types = ['linear.ts', 'conv2d.ts', 'gcn.ts'];
    for (const t of types) {
      const deps = graph.get(join(src, 'layers', t))!.map(rel);
      expect(deps.some((d) => d.startsWith('src/kernels/')), `${t}: ${deps.join(', ')}`).toBe(true);
      expect(deps.some((d) => d.startsWith('src/reference/')), `${t}: ${deps.join(', ')}`).toBe(true);
    }
  });

  it('src/ has no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const g of graph.get(f) ?? []) if (graph.has(g)) visit(g, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles, cycles.slice(0, 3).join('\n')).toEqual([]);
  });

  it('the checks see imports (they can fail): the linear layer type reaches its kernels and shaders', () => {
    const c = closure(join(src, 'layers', 'linear.ts'));
    expect([...c].some(under('kernels'))).toBe(true);
    expect([...c].some(isShader)).toBe(true);
  });
});
