// The graph data as a user meets it through the built CLI: `graph generate` writes edges.csv and
// nodes.csv, the same files for the same seed, refuses bad flags (exit 2) and existing files
// (exit 1), and `graph train --data` reads them with the blocks as classes; a graph whose
// held-out shares round down to no edge is refused, and --val 0 --test 0 trains with a notice.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli as run } from './util/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-graph-generate-'));

describe('webgpu-vae graph generate', () => {
  it('built', () => expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true));

  it('writes edges.csv and nodes.csv (the block as class), the same bytes for the same seed, and graph train reads them', async () => {
    const args = ['--nodes', '300', '--edges', '1200', '--blocks', '3', '--inside', '0.9', '--seed', '4'];
    const a = join(tmp, 'a');
    const r = await run(['graph', 'generate', ...args, '--out', a]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote ${join(a, 'edges.csv')} (1200 edges, 1080 inside blocks) and ${join(a, 'nodes.csv')} (300 nodes in 3 blocks), seed 4\n`);
    // Progress on stderr (a line per tenth when not a terminal).
    expect(r.stderr).toContain('generating 1200 edges [####################] 1200/1200');
    const edges = readFileSync(join(a, 'edges.csv'), 'utf8').trim().split('\n');
    expect(edges[0]).toBe('source,target');
    expect(edges).toHaveLength(1201);
    const pairs = edges.slice(1).map((l) => l.split(',').map(Number));
    expect(pairs.every(([i, j]) => Number.isInteger(i) && i < j && j < 300)).toBe(true);
    expect(new Set(edges).size).toBe(1201);
    const nodes = readFileSync(join(a, 'nodes.csv'), 'utf8').trim().split('\n');
    expect(nodes[0]).toBe('id,class');
    expect(nodes.slice(1)).toEqual(Array.from({ length: 300 }, (_, i) => `${i},${Math.floor(i / 100)}`));
    const inside = pairs.filter(([i, j]) => Math.floor(i / 100) === Math.floor(j / 100)).length;
    expect(inside).toBe(1080);

    const b = join(tmp, 'b');
    expect((await run(['graph', 'generate', ...args, '--out', b])).code).toBe(0);
    expect(readFileSync(join(b, 'edges.csv'))).toEqual(readFileSync(join(a, 'edges.csv')));
    const c = join(tmp, 'c');
    expect((await run(['graph', 'generate', ...args.slice(0, -1), '5', '--out', c])).code).toBe(0);
    expect(readFileSync(join(c, 'edges.csv'))).not.toEqual(readFileSync(join(a, 'edges.csv')));

    const t = await run(['graph', 'train', '--data', a, '--epochs', '1', '--hidden', '8', '--latent', '4']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain(`graph: ${a} (edges.csv + nodes.csv): 300 nodes, 1200 edges, 300 features (300 nonzero), 3 classes`);
  });

  it('bad flags: one line and exit 2; files already there: exit 1 and nothing written', async () => {
    const base = ['graph', 'generate', '--out', join(tmp, 'x')];
    for (const [args, msg] of [
      [['--edges', '10', '--blocks', '2'], '--nodes is required'],
      [['--nodes', '10', '--edges', '10', '--blocks', '2', '--inside', '2'], "--inside must be a number in [0, 1], got '2'"],
      [['--nodes', '1', '--edges', '10', '--blocks', '2'], "--nodes must be a whole number from 2 to 4294967295, got '1'"],
      [['--nodes', '10', '--edges', '10', '--blocks', '6'], 'block model: 10 nodes in 6 blocks leave a block with fewer than 2 nodes; use at most 5 blocks'],
      [['--nodes', '10', '--edges', '4', '--blocks', '2'], 'block model: 4 edges cannot put all 10 nodes on an edge; at least 5 are needed'],
      [['--nodes', '10', '--edges', '10', '--blocks', '2', '--seed', 'x'], '--seed'],
    ] as [string[], string][]) {
      const r = await run([...base, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^webgpu-vae: /);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const full = join(tmp, 'full');
    expect((await run(['graph', 'generate', '--nodes', '10', '--edges', '10', '--blocks', '2', '--out', full])).code).toBe(0);
    writeFileSync(join(full, 'edges.csv'), 'kept\n');
    const r = await run(['graph', 'generate', '--nodes', '12', '--edges', '10', '--blocks', '2', '--out', full]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`webgpu-vae: ${join(full, 'edges.csv')} exists: generate into a folder without edges.csv and nodes.csv (nothing was written)`);
    expect(readFileSync(join(full, 'edges.csv'), 'utf8')).toBe('kept\n');
  });
});

describe('webgpu-vae graph train: held-out shares', () => {
  it('the complete graph on 4 nodes: shares that hold out no edge are refused with the numbers; --val 0 --test 0 trains with a notice', async () => {
    // It used to train on every edge and report val_auc: null without a word.
    const k4 = join(tmp, 'k4');
    mkdirSync(k4);
    writeFileSync(join(k4, 'edges.tsv'), '0\t1\n0\t2\n0\t3\n1\t2\n1\t3\n2\t3\n');
    const base = ['graph', 'train', '--data', k4, '--epochs', '1', '--hidden', '4', '--latent', '2', '--json'];
    for (const [args, msg] of [
      [[], 'split: a validation fraction of 0.05 of 6 edges holds out no edge (one needs at least 20 edges); use fraction 0 to hold out none'],
      [['--val', '0'], 'split: a test fraction of 0.1 of 6 edges holds out no edge (one needs at least 10 edges); use fraction 0 to hold out none'],
    ] as [string[], string][]) {
      const r = await run([...base, ...args]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim()).toBe(`webgpu-vae: ${msg}`);
      expect(r.stdout).toBe('');
    }
    const r = await run([...base, '--val', '0', '--test', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no edges held out (validation and test fractions 0): training on all 6 edges, without validation or test AUC / AP');
    const final = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(final).toMatchObject({ final: true, train_edges: 6, val_auc: null });
  });
});
