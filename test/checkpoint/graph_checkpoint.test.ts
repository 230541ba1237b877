// Graph VAE checkpoints: PyTorch Geometric's names and [out, in] layouts, the configuration
// and split in the metadata, an exact round trip, and one-line errors for every mismatch.
import { describe, expect, it } from 'vitest';
import { messageOf } from '../util/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/checkpoint.js';
import {
  checkSameGraph, fromGraphTensors, graphFingerprint, loadGraphCheckpoint, saveGraphCheckpoint, toGraphTensors, type SavedGraphInfo,
} from '../../src/checkpoint/graph_checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { resolveConfig } from '../../src/config.js';
import { initGraphParameters } from '../../src/graph/graph_vae.js';
import type { GraphModelConfig } from '../../src/graph/graph_network.js';
import { initParameters } from '../../src/model/init.js';
import { layerSpecs } from '../../src/model/describe.js';

const [F, H, L] = [7, 6, 3];
const config = (kind: 'vgae' | 'gae', identity = false): GraphModelConfig => ({ kind, nodes: identity ? F : 11, features: F, identity, hidden: H, latent: L });
const edges = Uint32Array.from([0, 1, 1, 2, 3, 9]);
const info = (cfg: GraphModelConfig): SavedGraphInfo => ({
  config: cfg, seed: 3, step: 200, loss: 0.4471, lr: 0.01, data: 'test graph',
  split: { seed: 3, valFraction: 0.05, testFraction: 0.1, edges: 3, trainEdges: 3, valEdges: 0, testEdges: 0, fingerprint: graphFingerprint({ n: cfg.nodes, edges }) },
});


describe('graph checkpoints', () => {
  it("VGAE: encoder.conv1 / conv_mu / conv_logstd, lin.weight [out, in] (the runtime's W transposed) and zero biases", () => {
    const cfg = config('vgae');
    const p = initGraphParameters(cfg, 5);
    const t = toGraphTensors(p, cfg);
    expect([...t.keys()].sort()).toEqual([
      'encoder.conv1.bias', 'encoder.conv1.lin.weight', 'encoder.conv_logstd.bias', 'encoder.conv_logstd.lin.weight', 'encoder.conv_mu.bias', 'encoder.conv_mu.lin.weight',
    ]);
    expect(t.get('encoder.conv1.lin.weight')!.shape).toEqual([H, F]);
    expect(t.get('encoder.conv_mu.lin.weight')!.shape).toEqual([L, H]);
    expect(t.get('encoder.conv1.bias')!.data.every((v) => v === 0)).toBe(true);
    // Element (out r, in c) of lin.weight is W[c, r]: conv1 from W0 (F x H), conv_mu and
    // conv_logstd from the two column halves of W_head (H x 2L).
    const w0 = p.get('conv1.weight')!;
    const head = p.get('head.weight')!;
    expect(t.get('encoder.conv1.lin.weight')!.data[2 * F + 5]).toBe(w0[5 * H + 2]);
    expect(t.get('encoder.conv_mu.lin.weight')!.data[1 * H + 4]).toBe(head[4 * 2 * L + 1]);
    expect(t.get('encoder.conv_logstd.lin.weight')!.data[2 * H + 0]).toBe(head[0 * 2 * L + L + 2]);
  });

  it("GAE: PyTorch Geometric's GCNEncoder names, encoder.conv1 and encoder.conv2 (= mu); the unused log sigma half loads as zeros", () => {
    const cfg = config('gae');
    const p = initGraphParameters(cfg, 5);
    const bytes = saveGraphCheckpoint(p, info(cfg));
    const { tensors } = decodeSafetensors(bytes, 'gae.safetensors');
    expect([...tensors.keys()].sort()).toEqual(['encoder.conv1.bias', 'encoder.conv1.lin.weight', 'encoder.conv2.bias', 'encoder.conv2.lin.weight']);
    const back = loadGraphCheckpoint(bytes, 'gae.safetensors').params.get('head.weight')!;
    const orig = p.get('head.weight')!;
    for (let r = 0; r < H; r++) {
      for (let k = 0; k < L; k++) {
        expect(back[r * 2 * L + k]).toBe(orig[r * 2 * L + k]);
        expect(back[r * 2 * L + L + k]).toBe(0);
      }
    }
  });

  it('round trip: the same parameters, configuration, training records and split', () => {
    for (const cfg of [config('vgae'), config('vgae', true)]) {
      const p = initGraphParameters(cfg, 9);
      const bytes = saveGraphCheckpoint(p, info(cfg));
      const loaded = loadGraphCheckpoint(bytes, 'm.safetensors');
      expect(loaded.params).toEqual(p);
      expect(loaded.info).toEqual(info(cfg));
      expect(loaded.metadata).toMatchObject({ format: 'webgpu-vae', arch: 'graph', kind: 'vgae', features: cfg.identity ? 'none' : String(F), splitSeed: '3', valFraction: '0.05' });
    }
  });

  it('mismatches fail in one line naming the tensor, the key or the graph', () => {
    const cfg = config('vgae');
    const p = initGraphParameters(cfg, 1);
    const good = toGraphTensors(p, cfg);
    const meta = (over: Record<string, string | undefined>) => {
      const bytes = saveGraphCheckpoint(p, info(cfg));
      const { metadata } = decodeSafetensors(bytes, 'x');
      const m = { ...metadata, ...over };
      for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
      return () => loadGraphCheckpoint(encodeSafetensors(good, m as Record<string, string>), 'm.safetensors');
    };
    type Tensors = Map<string, { shape: number[]; data: Float32Array }>;
    const without = (name: string): Tensors => new Map([...good].filter(([k]) => k !== name));
    const withTensor = (name: string, shape: number[], data: Float32Array): Tensors => new Map<string, { shape: number[]; data: Float32Array }>([...good, [name, { shape, data }]]);
    const cases: [() => unknown, string][] = [
      [() => fromGraphTensors(without('encoder.conv_mu.lin.weight'), cfg, 'm'), 'm: missing tensor encoder.conv_mu.lin.weight (a 11x7-6-3 vgae model has shape [3, 6])'],
      [() => fromGraphTensors(withTensor('decoder.weight', [2], new Float32Array(2)), cfg, 'm'), 'm: unexpected tensor decoder.weight with shape [2], not part of a 11x7-6-3 vgae model'],
      [() => fromGraphTensors(withTensor('encoder.conv1.lin.weight', [F, H], new Float32Array(F * H)), cfg, 'm'), 'm: tensor encoder.conv1.lin.weight has shape [7, 6], a 11x7-6-3 vgae model has [6, 7]'],
      [() => fromGraphTensors(withTensor('encoder.conv1.bias', [H], Float32Array.from([0, 0, 0.5, 0, 0, 0])), cfg, 'm'), 'm: tensor encoder.conv1.bias[2] is 0.5; this graph VAE has no biases (the paper\'s model), so they must be zero'],
      [meta({ arch: 'conv' }), 'm.safetensors: metadata "arch" is "conv", not a graph VAE\'s ("graph")'],
      [meta({ arch: undefined }), "m.safetensors: not a graph VAE checkpoint (an MLP VAE's: use 'webgpu-vae eval', 'sample' or 'latent' with it)"],
      [meta({ kind: 'vae' }), 'm.safetensors: metadata "kind" is "vae", must be "vgae" or "gae"'],
      [meta({ latent: '65' }), "m.safetensors: metadata \"latent\" is 65; this runtime's graph VAE takes 1 to 64"],
      [meta({ hidden: '-1' }), 'm.safetensors: metadata "hidden" is "-1", must be a whole number >= 1'],
      [meta({ valFraction: '1' }), 'm.safetensors: metadata "valFraction" is "1", must be a number in [0, 1)'],
      [meta({ graphFingerprint: 'xyz' }), 'm.safetensors: metadata "graphFingerprint" is "xyz", must be 8 hex digits'],
      [meta({ formatVersion: '2' }), 'm.safetensors: checkpoint format version "2", this runtime reads version 1'],
    ];
    for (const [f, msg] of cases) expect(messageOf(f)).toBe(msg);
    // Layers built without bias (PyTorch's bias=False) have no bias tensors: that loads.
    const noBias = new Map([...good].filter(([k]) => !k.endsWith('.bias')));
    expect(fromGraphTensors(noBias, cfg, 'm')).toEqual(p);
    // A file without our metadata (PyTorch's save_file of a state dict) says what is missing.
    expect(messageOf(() => loadGraphCheckpoint(encodeSafetensors(good), 'pt.safetensors'))).toBe(
      "pt.safetensors: no webgpu-vae metadata; a graph checkpoint needs it (the sizes, and the split whose training edges the encoder runs on), so use one that 'graph train --save' or the page wrote",
    );
    // A graph file given to the MLP loader, and an MLP file to the graph loader.
    expect(messageOf(() => loadCheckpoint(saveGraphCheckpoint(p, info(cfg)), 'g.safetensors'))).toBe("g.safetensors: a graph VAE checkpoint (VGAE or GAE): use it with 'webgpu-vae graph embed' or 'graph latent'");
    const mlp = resolveConfig({ inputSize: 8, hidden: [4], latent: 2 });
    expect(messageOf(() => loadGraphCheckpoint(saveCheckpoint(initParameters(layerSpecs(mlp), 1), mlp, { seed: 1, step: 0 }), 'v.safetensors'))).toContain('not a graph VAE checkpoint');
  });

  it('files PyTorch wrote (no metadata of ours) load with the graph they are used on: sizes from the shapes, features or identity from the data, no split', () => {
    for (const [kind, identity] of [['vgae', false], ['gae', false], ['vgae', true]] as const) {
      const cfg = config(kind, identity);
      const p = initGraphParameters(cfg, 7);
      const plain = encodeSafetensors(toGraphTensors(p, cfg));
      const data = { n: cfg.nodes, featureCols: identity ? 2 : F };
      const { params, info: got } = loadGraphCheckpoint(plain, 'pyg.safetensors', data);
      expect(got).toEqual({ config: cfg, seed: 1, step: 0, split: null });
      // The same tensors as written (the GAE's unused log-sigma half is not in the file).
      expect(toGraphTensors(params, cfg)).toEqual(toGraphTensors(p, cfg));
      // Without the graph, the file cannot say how many nodes it is for.
      expect(messageOf(() => loadGraphCheckpoint(plain, 'pyg.safetensors'))).toMatch(/^pyg\.safetensors: no webgpu-vae metadata; a graph checkpoint needs it/);
    }
    const cfg = config('vgae');
    const plain = encodeSafetensors(toGraphTensors(initGraphParameters(cfg, 7), cfg));
    expect(messageOf(() => loadGraphCheckpoint(plain, 'pyg.safetensors', { n: 11, featureCols: 5 }))).toBe(
      'pyg.safetensors: the model\'s first layer takes 7 features per node; the graph has 5 feature columns and 11 nodes (identity features)');
    const mlp = encodeSafetensors(new Map([['fc1.weight', { dtype: 'F32' as const, shape: [2, 2], data: new Float32Array(4) }]]));
    expect(messageOf(() => loadGraphCheckpoint(mlp, 'mlp.safetensors', { n: 11, featureCols: 7 }))).toMatch(/^mlp\.safetensors: no webgpu-vae metadata, and its tensors \(fc1\.weight\) are not a graph VAE's/);
  });

  it('recognises the training graph by its sizes and edges', () => {
    const i = info(config('vgae'));
    expect(() => checkSameGraph(i, { n: 11, edges, featureCols: F }, 'm', 'data')).not.toThrow();
    expect(messageOf(() => checkSameGraph(i, { n: 12, edges, featureCols: F }, 'm', 'DIR'))).toBe('m: the model was trained on a graph of 11 nodes, 3 edges, 7 features; DIR has 12 nodes, 3 edges, 7 features');
    expect(messageOf(() => checkSameGraph(i, { n: 11, edges: Uint32Array.from([0, 1, 1, 2, 3, 8]), featureCols: F }, 'm', 'DIR'))).toMatch(
      /^m: DIR has the sizes of the training graph \(11 nodes, 3 edges, 7 features\) but other edges \(fingerprint [0-9a-f]{8}, the model's [0-9a-f]{8}\)$/,
    );
  });
});
