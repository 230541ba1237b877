// `webgpu-vae graph train|embed|latent`, run as a user would: the built CLI, real processes, the
// embedded Cora (a few epochs: a Cora epoch costs about 0.5 s of CPU on SwiftShader).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { loadGraphCheckpoint } from '../src/checkpoint/graph_checkpoint.js';
import { loadGraph } from '../src/node/graph_data.js';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'webgpu-vae-graph-cli-'));

function run(args: string[], timeout = 110_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('webgpu-vae graph', () => {
  it('built', () => expect(existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true));

  it('train --json: one line per epoch and a final line with the test figures; --save writes a checkpoint; embed and latent read it', async () => {
    const model = join(tmp, 'cora.safetensors');
    const r = await run(['graph', 'train', '--epochs', '3', '--json', '--save', model]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    lines.slice(0, 3).forEach((l, i) => {
      expect(Object.keys(l).sort()).toEqual(['decoder', 'decoder_auto', 'epoch', 'loss', 'ms_per_epoch', 'negatives', 'val_ap', 'val_auc', 'val_hits@50']);
      expect(l.epoch).toBe(i + 1);
      expect(l.loss).toBeGreaterThan(0);
      expect(l.val_auc).toBeGreaterThan(0.5);
      expect(l.val_ap).toBeGreaterThan(0.5);
      expect(l.ms_per_epoch).toBeGreaterThan(0);
    });
    // The loss falls from the start (Glorot weights give Cora a loss near 1.7).
    expect(lines[2].loss).toBeLessThan(lines[0].loss);
    const final = lines[3];
    expect(final).toMatchObject({ final: true, epoch: 3, nodes: 2708, edges: 5278, train_edges: 5278 - 263 - 527, features: 1433, model: 'vgae' });
    expect(final.test_auc).toBeGreaterThan(0.5);
    expect(final.test_ap).toBeGreaterThan(0.5);
    expect(r.stderr).toContain('saved');

    const { info } = loadGraphCheckpoint(readFileSync(model), model);
    expect(info).toMatchObject({ step: 3, seed: 1, config: { kind: 'vgae', nodes: 2708, features: 1433, hidden: 32, latent: 16 }, split: { seed: 1, valEdges: 263, testEdges: 527 } });

    const tsv = join(tmp, 'emb.tsv');
    const e = await run(['graph', 'embed', '--model', model, '--out', tsv]);
    expect(e.code, e.stderr).toBe(0);
    const rows = readFileSync(tsv, 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(rows).toHaveLength(2708);
    expect(rows.every((c) => c.length === 17 && c.slice(1).every((v) => Number.isFinite(Number(v))))).toBe(true);
    // The data's node ids, in its order.
    const { graph } = await loadGraph(null);
    expect(rows.map((c) => c[0])).toEqual(graph.ids);

    const png = join(tmp, 'latent.png');
    const l = await run(['graph', 'latent', '--model', model, '--out', png]);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toMatch(/^wrote the posterior means of 2708 nodes projected on their top two principal components \(latent size 16; PC1/);
    expect(l.stdout).toContain('coloured by class (0 Case_Based, 1 Genetic_Algorithms');
    const img = decode(readFileSync(png));
    expect(img.width).toBeGreaterThan(400);
    expect(img.height).toBeGreaterThan(400);
  });

  it('--test 0 trains on everything but the validation edges; the GAE without features on an edge list', async () => {
    const dir = join(tmp, 'ring');
    mkdirSync(dir);
    // A ring of 40 nodes with chords: an edge list with a header, gzipped.
    const lines = ['from,to'];
    for (let i = 0; i < 40; i++) lines.push(`n${i},n${(i + 1) % 40}`, `n${i},n${(i + 7) % 40}`);
    writeFileSync(join(dir, 'edges.csv.gz'), gzipSync(`${lines.join('\n')}\n`));
    const r = await run(['graph', 'train', '--data', dir, '--model', 'gae', '--features', 'none', '--epochs', '2', '--test', '0', '--latent', '4', '--hidden', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const final = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(final).toMatchObject({ final: true, epoch: 2, nodes: 40, edges: 80, train_edges: 76, features: 40, model: 'gae' });
    expect(final).not.toHaveProperty('test_auc');
  });

  it('bad input: one line and exit 2 for usage, 1 for bad data', async () => {
    for (const [args, msg] of [
      [['graph'], 'graph: give a subcommand: train, embed or latent'],
      [['graph', 'fly'], "graph: unknown subcommand 'fly' (train, embed or latent)"],
      [['graph', 'train', '--model', 'vae'], "--model must be vgae or gae, got 'vae'"],
      [['graph', 'train', '--features', 'raw'], "--features must be data or none, got 'raw'"],
      [['graph', 'train', '--latent', '65'], "--latent must be a whole number from 1 to 64, got '65'"],
      [['graph', 'train', '--val', '1.5'], "--val must be a number in [0, 1), got '1.5'"],
      [['graph', 'train', '--val', '0.5', '--test', '0.5'], '--val 0.5 and --test 0.5 hold out every edge; together they must be below 1'],
      [['graph', 'train', '--save', join(tmp, 'm.bin')], 'must end in .safetensors'],
      [['graph', 'train', '--batch', '3'], "Unknown option '--batch'"],
      [['graph', 'embed'], '--model is required'],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr.split('\n')[0]).toMatch(/^webgpu-vae: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'g.content'), 'a 1 0 x\nb 1 y\n');
    writeFileSync(join(bad, 'g.cites'), 'a b\n');
    // The complete graph on 5 nodes: no non-edge to hold out as a negative.
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'edges.tsv'), Array.from({ length: 5 }, (_, i) => Array.from({ length: 4 - i }, (_, k) => `${i}\t${i + k + 1}\n`).join('')).join(''));
    const none = join(tmp, 'none');
    mkdirSync(none);
    for (const [args, msg] of [
      [['graph', 'train', '--data', join(tmp, 'missing')], 'no such folder'],
      [['graph', 'train', '--data', none], 'no graph files'],
      [['graph', 'train', '--data', bad], `${join(bad, 'g.content')} line 2: has 3 fields, expected 4 (an id, 2 feature values and a class) as on line 1`],
      [['graph', 'train', '--data', full], 'split: 1 negative pairs are needed (1 test + 0 validation) but the graph has only 0 non-edges (5 nodes, 10 edges)'],
      [['graph', 'embed', '--model', join(tmp, 'none.safetensors')], 'no such file'],
      // As the MLP's `latent` says it.
      [['graph', 'latent', '--model', 'x.safetensors', '--out', 'x.jpg'], '--out x.jpg: the file name must end in .png'],
    ] as [string[], string][]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
