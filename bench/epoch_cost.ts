// What a graph VAE epoch asks of a GPU, counted (src/graph/epoch_cost.ts), and the floor it sets
// on a given GPU: a markdown table per shape. No GPU is used.
// Run: node bench/run.mjs epoch_cost [--peak-tflops=60] [--peak-tbps=3.35] [--dispatch-us=10]
import { epochCost, epochTotals, type EpochShape } from '../src/graph/epoch_cost.js';

const arg = (name: string, fallback: number) => {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
// Defaults: an H100 SXM's f32 (non-tensor) peak, its HBM3 bandwidth, and a dispatch's cost on Vulkan.
const tflops = arg('peak-tflops', 60);
const tbps = arg('peak-tbps', 3.35);
const dispatchUs = arg('dispatch-us', 10);

const SHAPES: [string, EpochShape][] = [
  ['Cora, features, exact (register: every ordered pair)', { nodes: 2708, trainEdges: 4488, features: { cols: 1433, nnz: 49216 }, hidden: 32, latent: 16, decoder: { kind: 'exact', variant: 'register' } }],
  ['Cora, features, exact (tiled: every unordered pair once)', { nodes: 2708, trainEdges: 4488, features: { cols: 1433, nnz: 49216 }, hidden: 32, latent: 16, decoder: { kind: 'exact', variant: 'tiled' } }],
  ['Cora, features, sampled K = 1', { nodes: 2708, trainEdges: 4488, features: { cols: 1433, nnz: 49216 }, hidden: 32, latent: 16, decoder: { kind: 'sampled', negatives: 1 } }],
  ['PubMed graph (seed-1 split: 37,676 training edges), featureless, sampled K = 1', { nodes: 19717, trainEdges: 37676, features: null, hidden: 32, latent: 16, decoder: { kind: 'sampled', negatives: 1 } }],
  ['250,000 nodes, 1,250,000 edges, featureless, sampled K = 1', { nodes: 250000, trainEdges: 1250000, features: null, hidden: 32, latent: 16, decoder: { kind: 'sampled', negatives: 1 } }],
];

const g = (x: number) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : `${x}`);
for (const [name, shape] of SHAPES) {
  const costs = epochCost(shape);
  const t = epochTotals(costs);
  console.log(`\n### ${name}\n`);
  console.log('| dispatch | flops | exp/log/sin/cos | integer ops | bytes touched |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const c of costs) console.log(`| ${c.kernel} | ${g(c.flops)} | ${g(c.transcendentals)} | ${g(c.intOps)} | ${g(c.bytes)}B |`);
  console.log(`| **total: ${t.dispatches} dispatches** | ${g(t.flops)} | ${g(t.transcendentals)} | ${g(t.intOps)} | ${g(t.bytes)}B |`);
  const floorMs = Math.max((t.flops + t.intOps + 4 * t.transcendentals) / (tflops * 1e12), t.bytes / (tbps * 1e12)) * 1e3 + (t.dispatches * dispatchUs) / 1e3;
  console.log(`\nFloor on a GPU of ${tflops} TFLOP/s and ${tbps} TB/s with ${dispatchUs} us per dispatch (transcendentals as 4 operations): ${floorMs.toFixed(3)} ms per epoch.`);
}
