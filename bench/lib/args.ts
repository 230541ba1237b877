/**
 * Command-line options shared by the Node runner and the browser launcher (which passes them
 * to the page in its URL).
 */
import type { LinearVariant } from '../../src/kernels/linear.js';
import type { SuiteOptions } from './suite.js';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/**
 * Parses `--quick --batches=32,128 --variants=register --no-kernels --no-epoch --no-timestamps
 * --model=784-400-20 --arch=mlp,conv --conv-batches=32,128 --channels=32,64 --no-graph
 * --graph-only --sbm=20000 --sbm-epochs=2 --graph-epochs=10 --sbm-decoder=auto --versus=cora,pubmed
 * --versus-rounds=3 --versus-epochs=20`.
 */
export function parseSuiteArgs(args: string[]): SuiteOptions {
  const o: SuiteOptions = {};
  for (const a of args) {
    const [k, v = ''] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, ''];
    if (k === '--quick') o.quick = true;
    else if (k === '--batches') o.stepBatches = list(v).map(Number);
    else if (k === '--batch') o.batch = Number(v);
    else if (k === '--variants') o.variants = list(v) as LinearVariant[];
    else if (k === '--no-kernels') o.kernels = false;
    else if (k === '--no-epoch') o.epoch = false;
    else if (k === '--no-timestamps') o.timestamps = false;
    else if (k === '--no-graph') o.graph = false;
    else if (k === '--graph-only') o.graphOnly = true;
    else if (k === '--sbm' || k === '--sbm-epochs' || k === '--graph-epochs' || k === '--versus-rounds' || k === '--versus-epochs') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${k}=${v}: expected a whole number >= 0`);
      if (k === '--sbm') o.sbm = n;
      else if (k === '--sbm-epochs') o.sbmEpochs = Math.max(1, n);
      else if (k === '--versus-rounds') o.versusRounds = n;
      else if (k === '--versus-epochs') o.versusEpochs = Math.max(1, n);
      else o.graphEpochs = Math.max(1, n);
    } else if (k === '--sbm-decoder') {
      if (v !== 'auto' && v !== 'exact' && v !== 'sampled') throw new Error(`--sbm-decoder=${v}: expected auto, exact or sampled`);
      o.sbmDecoder = v;
    } else if (k === '--versus') {
      const cases = list(v);
      if (cases.some((c) => c !== 'cora' && c !== 'pubmed' && c !== 'none')) throw new Error(`--versus=${v}: expected cora, pubmed, cora,pubmed or none`);
      o.versus = cases.filter((c) => c !== 'none') as ('cora' | 'pubmed')[];
    } else if (k === '--arch') {
      const archs = list(v);
      if (!archs.length || archs.some((a) => a !== 'mlp' && a !== 'conv')) throw new Error(`--arch=${v}: expected mlp, conv or mlp,conv`);
      o.archs = archs as ('mlp' | 'conv')[];
    } else if (k === '--conv-batches') o.convBatches = list(v).map(Number);
    else if (k === '--channels') o.convModel = { ...o.convModel, channels: list(v).map(Number) };
    else if (k === '--model') {
      const sizes = v.split('-').map(Number);
      if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--model=${v}: expected sizes like 784-400-20`);
      o.model = { inputSize: sizes[0], hidden: sizes.slice(1, -1), latent: sizes[sizes.length - 1] };
    }
  }
  for (const b of [...(o.stepBatches ?? []), ...(o.convBatches ?? []), o.batch ?? 128]) {
    if (!Number.isInteger(b) || b < 1) throw new Error(`batch sizes must be whole numbers >= 1, got ${b}`);
  }
  return o;
}
