/**
 * `webgpu-vae graph train|embed|latent`: the graph VAE (VGAE / GAE, Kipf & Welling 2016) on the
 * embedded Cora or a folder of graph files. `train` runs the Trainer with graphTask (one
 * full-graph step per epoch, validation AUC and AP after each), with a progress bar on a
 * terminal or JSON lines; `embed` writes every node's posterior mean; `latent` draws them in 2-D.
 */
import { dirname } from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { checkSameGraph, graphSizesName, loadGraphCheckpoint, saveGraphCheckpoint, type GraphCheckpointInfo, type SavedGraphInfo } from '../checkpoint/graph_checkpoint.js';
import { resolveGraphConfig } from '../config.js';
import type { ModelSpec } from '../model/spec.js';
import { GRAPH_SETTINGS, settingHelp } from '../settings.js';
import { GRAPH_VAE_ADAM, GRAPH_VAE_DEFAULTS, type GraphVaeConfig } from '../graph/config.js';
import { describeGraph, edgeCount, type Graph } from '../graph/graph.js';
import { linkMetrics, type LinkMetrics } from '../graph/link.js';
import { decoderText, GraphVae } from '../graph/graph_vae.js';
import { graphTask, heldOutMetrics, heldOutNotice, hitsSetup, prepareGraph, type PreparedGraph } from '../graph/graph_task.js';
import { HITS_DEFAULTS } from '../graph/hits.js';
import { LABEL_COLORS } from '../views/latent_view.js';
import { writeFileAtomic } from '../node/atomic.js';
import { loadGraph } from '../node/graph_data.js';
import { requestNodeGpu } from '../node/gpu.js';
import { nodeTraining } from './node_training.js';
import { axisTitles } from '../views/latent_view.js';
import { project2d } from '../views/pca.js';
import type { TrainingState } from '../runtime/scheduler.js';
import { Trainer } from '../runtime/trainer.js';
import { givenFlags, parseFlags, required, settingFlag, settingOptions, settingValues, UsageError } from './args.js';
import { readSpecFile } from './train.js';
import { latentPlot } from './latent_plot.js';
import { checkPng } from './model_commands.js';
import { graphGenerate, GRAPH_GENERATE_USAGE } from './graph_generate.js';
import { ProgressBar, readProgress } from './progress.js';

/** The `graph` command's usage lines (in the CLI's --help). */
export const GRAPH_USAGE = `  graph train   train a graph VAE for link prediction (default data: the embedded Cora, 2,708 nodes, 5,278 edges)
                --data DIR         folder with NAME.content and NAME.cites (LINQS) or edges.csv / edges.tsv (+ nodes.csv), plain or .gz
${GRAPH_SETTINGS.map((k) => settingHelp(k, 16, 18)).join('\n')}
                --kind vae|ae      the same as --model vgae|gae, in the image commands' words
                --spec FILE.json   the model as data (a spec of family graph, docs/spec.md) instead of --model,
                                   --hidden and --latent
                --save FILE        write the trained model as .safetensors (PyTorch Geometric's names)
                --json             one JSON object per epoch and a final one, instead of a progress bar
  graph embed   each node's posterior mean, tab-separated after its id: --model FILE [--data DIR] [--out FILE.tsv]
  graph latent  node means in 2-D (PCA when latent > 2) coloured by class: --model FILE [--data DIR] [--out FILE.png]
${GRAPH_GENERATE_USAGE}`;

/** One line of `graph train --json`: one per epoch, then a final one. */
export interface GraphEpochReport {
  epoch: number;
  loss: number;
  /** The decoder's loss and K (0 for the exact decoder); `decoder_auto` when `auto` chose it. */
  decoder: 'exact' | 'sampled';
  negatives: number;
  decoder_auto: boolean;
  val_auc: number | null;
  val_ap: number | null;
  /** Hits@K of the held-out edges (`val_hits@50`, and `test_hits@50` in the final line), unless --hits 0. */
  [hits: `${'val' | 'test'}_hits@${number}`]: number | null | undefined;
  ms_per_epoch: number;
  final?: true;
  test_auc?: number | null;
  test_ap?: number | null;
  nodes?: number;
  edges?: number;
  train_edges?: number;
  features?: number;
  model?: 'vgae' | 'gae';
  ms_per_epoch_median?: number;
}

const metric = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Parses `graph train` flags; every value is checked (src/settings.ts) before any data or GPU work. */
export function parseGraphTrain(args: string[]): GraphVaeConfig & {
  data: string | null; save: string | null; json: boolean; lr: number; spec: ModelSpec | null; decoder: 'auto' | 'exact' | 'sampled'; negatives: number;
  hits: number; hitsNegatives: number;
} {
  const parsed = parseFlags('graph train', args, {
    ...settingOptions(GRAPH_SETTINGS), kind: { type: 'string' }, spec: { type: 'string' }, data: { type: 'string' }, save: { type: 'string' }, json: { type: 'boolean' },
  });
  const flags = parsed as Record<string, string | boolean | undefined>;
  const f = parsed as Record<string, string | undefined> & { json?: boolean };
  const save = f.save ?? null;
  if (save !== null) {
    if (!save.endsWith('.safetensors')) throw new UsageError(`--save ${save}: the file name must end in .safetensors`);
    const dir = dirname(save);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--save ${save}: folder ${dir} does not exist`);
  }
  const d = GRAPH_VAE_DEFAULTS;
  const v = settingValues(GRAPH_SETTINGS, flags, {
    graphModel: d.kind, features: d.features, epochs: d.epochs, graphHidden: d.hidden, graphLatent: d.latent, lr: GRAPH_VAE_ADAM.lr, seed: d.seed,
    valFraction: d.valFraction, testFraction: d.testFraction, graphDecoder: 'auto', negatives: 1, hits: HITS_DEFAULTS.k, hitsNegatives: HITS_DEFAULTS.negatives,
  });
  if (f.negatives !== undefined && v.graphDecoder === 'exact') throw new UsageError('--negatives is the sampled decoder\'s; --decoder exact scores every pair');
  // --kind vae|ae, as the image commands say it; --model vgae|gae, the paper's names, is its alias.
  let kind = v.graphModel;
  if (f.kind !== undefined) {
    const k = settingFlag('kind', 'kind', f.kind, 'vae');
    kind = k === 'vae' ? 'vgae' : 'gae';
    if (f.model !== undefined && kind !== v.graphModel) throw new UsageError(`--kind ${f.kind} and --model ${f.model} disagree (--model vgae is --kind vae, gae is ae)`);
  }
  let spec: ModelSpec | null = null;
  if (f.spec !== undefined) {
    const clash = givenFlags(['graphModel', 'graphHidden', 'graphLatent'], flags).concat(f.kind !== undefined ? ['--kind'] : []);
    if (clash.length > 0) throw new UsageError(`--spec and ${clash.join(', ')} together: the spec describes the model (layers, latent, kind); the training settings (--lr, --epochs, --features, ...) apply to any spec`);
    spec = readSpecFile(f.spec);
    if (spec.family !== 'graph') throw new UsageError(`--spec ${f.spec}: not a graph spec (family ${spec.family ?? 'vae'}); train it with 'webgpu-vae train --spec'`);
  }
  if (v.valFraction + v.testFraction >= 1) {
    throw new UsageError(`--val ${v.valFraction} and --test ${v.testFraction} hold out every edge; together they must be below 1`);
  }
  const partial: GraphVaeConfig = {
    kind, features: v.features, epochs: v.epochs, hidden: v.graphHidden, latent: v.graphLatent, seed: v.seed, valFraction: v.valFraction, testFraction: v.testFraction,
  };
  return {
    ...resolveGraphConfig(partial), lr: v.lr, data: f.data ?? null, save, json: f.json ?? false, spec, decoder: v.graphDecoder, negatives: v.negatives,
    hits: v.hits, hitsNegatives: v.hitsNegatives,
  };
}

/** `webgpu-vae graph train ...` */
async function graphTrain(args: string[]): Promise<void> {
  const o = parseGraphTrain(args);
  const { graph, name } = await loadGraph(o.data, readProgress(process.stderr));
  const prep = prepareGraph(graph, { seed: o.seed, valFraction: o.valFraction, testFraction: o.testFraction, features: o.features });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const notice = heldOutNotice(prep.record);
  if (notice) log(notice);
  // Hits@K: one fixed, seeded set of held-out non-edges for every evaluation (OGB's protocol).
  const hits = hitsSetup(graph, o.hits, o.hitsNegatives, o.seed);
  if (hits && hits.negatives.length < o.hitsNegatives) log(`Hits@${hits.k}: the graph has only ${hits.negatives.length} non-edges; ranking against all of them`);
  const gpu = await requestNodeGpu();
  const model_ = o.spec ? { spec: o.spec } : { kind: o.kind, hidden: o.hidden, latent: o.latent };
  const build = (device: GPUDevice, state: TrainingState | null) => GraphVae.create({
    device, graph: prep.input, ...model_, seed: o.seed, adam: { lr: o.lr }, decoder: o.decoder, negatives: o.negatives, ...(state ? { state } : {}),
  });
  const model = await build(gpu.device, null);
  const cfg = model.config;
  if (!o.json) {
    log(`adapter: ${gpu.description}; kernels: ${model.variant}`);
    log(`graph: ${name}: ${describeGraph(graph)}`);
    log(`decoder: ${decoderText(model.decoder, graph.n)}`);
    log(`model: ${cfg.kind.toUpperCase()}, ${graphSizesName(cfg)}${cfg.spec ? ' (spec)' : ''}; split (seed ${o.seed}): ${prep.record.trainEdges} train, ${prep.record.valEdges} validation, ${prep.record.testEdges} test edges`);
  }
  const host = nodeTraining(gpu.device, 'epoch', log);
  const emit = (r: GraphEpochReport) => process.stdout.write(`${JSON.stringify(r)}\n`);
  const decoderKeys = { decoder: model.decoder.kind, negatives: model.decoder.negatives, decoder_auto: model.decoder.automatic };
  const bar = o.json ? null : new ProgressBar(process.stderr);
  const epochMs: number[] = [];
  let last: GraphEpochReport | null = null;
  const trainer = await Trainer.create(model, graphTask(prep.split, hits), {
    build,
    newDevice: host.newDevice,
    events: {
      epoch: (e) => {
        epochMs.push(e.ms);
        last = {
          epoch: e.epoch, loss: e.trainLoss, ...decoderKeys, val_auc: metric(e.evaluation.auc), val_ap: metric(e.evaluation.ap),
          ...(hits ? { [`val_hits@${hits.k}`]: metric(e.evaluation.hits ?? NaN) } : {}), ms_per_epoch: e.ms,
        };
        if (o.json) emit(last);
        else if (e.epoch % 10 === 0 || e.epoch === o.epochs || e.epoch === 1) {
          bar?.done();
          const h = hits && e.evaluation.hits !== undefined ? `  Hits@${hits.k} ${(100 * e.evaluation.hits).toFixed(1)}` : '';
          const val = Number.isFinite(e.evaluation.auc) ? `  val AUC ${(100 * e.evaluation.auc).toFixed(1)}  AP ${(100 * e.evaluation.ap).toFixed(1)}${h}` : '';
          log(`epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)}${val}  (${e.ms.toFixed(0)} ms)`);
        }
      },
      notice: (n) => {
        bar?.done();
        if (n.kind === 'rollback') log(`epoch ${n.badStep}: the loss is not finite or exploded; rolled back to epoch ${n.toStep} (${n.failures} in a row)`);
        else log(`GPU device lost (${n.reason})${n.message ? `: ${n.message}` : ''}; continuing on a new device from epoch ${n.toStep} (recovery ${n.recoveries})`);
      },
    },
  });
  trainer.epochs = o.epochs;
  try {
    const ended = await trainer.run({
      shouldStop: host.stopRequested,
      between: async () => {
        const p = trainer.progress();
        bar?.update({ epoch: p.epoch, epochs: p.epochs, step: p.step, totalSteps: p.totalSteps, loss: p.loss, samplesPerS: p.samplesPerS, etaSeconds: p.etaS, rateUnit: 'epochs/s', lossDigits: 4 });
      },
    });
    bar?.done();
    const state = await trainer.snapshot();
    const end = last as GraphEpochReport | null;
    if (ended === 'done' && end) {
      const mu = await trainer.model.embed();
      const test: LinkMetrics | null = prep.split.testPos.length > 0 ? heldOutMetrics(mu, cfg.latent, prep.split.testPos, prep.split.testNeg, hits) : null;
      const sorted = [...epochMs].sort((a, b) => a - b);
      const final: GraphEpochReport = {
        ...end, final: true, ...(test ? { test_auc: metric(test.auc), test_ap: metric(test.ap), ...(hits ? { [`test_hits@${hits.k}`]: metric(test.hits ?? NaN) } : {}) } : {}),
        nodes: graph.n, edges: edgeCount(graph),
        train_edges: prep.record.trainEdges, features: cfg.features, model: cfg.kind,
        ms_per_epoch: epochMs.reduce((a, b) => a + b, 0) / epochMs.length, ms_per_epoch_median: sorted[sorted.length >> 1],
      };
      if (o.json) emit(final);
      else {
        const th = hits && test?.hits !== undefined ? `  Hits@${hits.k} ${(100 * test.hits).toFixed(1)}` : '';
        const t = test ? `test AUC ${(100 * test.auc).toFixed(1)}  AP ${(100 * test.ap).toFixed(1)}${th}` : 'no test edges (--test 0)';
        log(`final: ${t} after ${end.epoch} epochs, ${final.ms_per_epoch.toFixed(0)} ms/epoch`);
      }
    }
    if (o.save) {
      const info: SavedGraphInfo = {
        config: cfg, seed: o.seed, step: state.step, split: prep.record, data: name, lr: o.lr, decoder: trainer.model.decoder, ...(hits ? { hits: { k: hits.k, negatives: hits.negatives.length / 2 } } : {}), ...(end ? { loss: end.loss } : {}),
      };
      writeFileAtomic(o.save, saveGraphCheckpoint(state.params, info));
      log(`saved ${o.save} (epoch ${state.step})`);
    } else if (ended === 'stopped') log('no --save given: nothing saved');
    if (ended === 'stopped') process.exitCode = 130;
  } finally {
    trainer.destroy();
    host.close();
  }
}

/**
 * A saved graph model on the graph it was trained on: the data's sizes and edges are checked
 * against the checkpoint, and its split recomputed (the encoder runs on the training edges).
 */
async function openGraphModel(path: string, dataDir: string | undefined): Promise<{ model: GraphVae; graph: Graph; prep: PreparedGraph; info: GraphCheckpointInfo; close: () => void }> {
  if (!existsSync(path)) throw new Error(`--model ${path}: no such file`);
  const { graph, name } = await loadGraph(dataDir, readProgress(process.stderr));
  const { params, info } = loadGraphCheckpoint(readFileSync(path), path, { n: graph.n, featureCols: graph.features.cols });
  checkSameGraph(info, { n: graph.n, edges: graph.edges, featureCols: graph.features.cols }, path, name);
  // The split the model trained on, recomputed exactly; a file without one (PyTorch wrote it): every edge.
  const s = info.split ?? { seed: 1, valFraction: 0, testFraction: 0, trainEdges: graph.edges.length / 2 };
  const prep = prepareGraph(graph, { seed: s.seed, valFraction: s.valFraction, testFraction: s.testFraction, features: info.config.identity ? 'none' : 'data' });
  if (prep.record.trainEdges !== s.trainEdges) throw new Error(`${path}: recomputing the split gave ${prep.record.trainEdges} training edges, the checkpoint records ${s.trainEdges}`);
  const gpu = await requestNodeGpu();
  const c = info.config;
  const model = await GraphVae.create({
    device: gpu.device, graph: prep.input, ...(c.spec ? { spec: c.spec } : { kind: c.kind, hidden: c.hidden, latent: c.latent }), seed: info.seed, parameters: params,
  });
  return { model, graph, prep, info, close: () => (model.destroy(), gpu.device.destroy()) };
}

/** f32 values as the shortest text that reads back to the same f32. */
const f32Text = (v: number) => String(Number(v.toPrecision(9)));

/** `webgpu-vae graph embed --model FILE [--data DIR] [--out FILE.tsv]` */
async function graphEmbed(args: string[]): Promise<void> {
  const f = parseFlags('graph embed', args, { model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' } });
  const path = required('model', f.model);
  if (f.out !== undefined && !/\.(tsv|txt)$/i.test(f.out)) throw new UsageError(`--out ${f.out}: the file name must end in .tsv (or .txt)`);
  const { model, graph, close } = await openGraphModel(path, f.data);
  try {
    const L = model.config.latent;
    const mu = await model.embed();
    const lines: string[] = [];
    for (let i = 0; i < graph.n; i++) lines.push([graph.ids[i], ...Array.from(mu.subarray(i * L, (i + 1) * L), f32Text)].join('\t'));
    const text = `${lines.join('\n')}\n`;
    if (f.out) {
      writeFileAtomic(f.out, new TextEncoder().encode(text));
      process.stderr.write(`wrote the posterior means of ${graph.n} nodes (${L} values each) to ${f.out}\n`);
    } else process.stdout.write(text);
  } finally {
    close();
  }
}

/** `webgpu-vae graph latent --model FILE [--data DIR] [--out FILE.png]` */
async function graphLatent(args: string[]): Promise<void> {
  const f = parseFlags('graph latent', args, { model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } });
  const path = required('model', f.model);
  const out = checkPng(f.out ?? 'graph-latent.png');
  const { model, graph, close } = await openGraphModel(path, f.data);
  try {
    const L = model.config.latent;
    const mu = await model.embed();
    const proj = project2d(mu, graph.n, L);
    const axes = axisTitles(L, proj.explained);
    // Class k is drawn in LABEL_COLORS[k % 10]; the legend lists the first ten.
    const labels = graph.labels ? Uint8Array.from(graph.labels, (c) => (c < 0 ? 0 : c % LABEL_COLORS.length)) : null;
    const classes = graph.labels ? Math.min(graph.classNames.length, LABEL_COLORS.length) : 0;
    const plot = latentPlot({ points: proj.points, labels, classes, axes, equal: L <= 2, manifold: null });
    writeFileAtomic(out, plot.png);
    const legend = graph.labels ? graph.classNames.map((c, k) => ({ label: k, name: c, color: LABEL_COLORS[k % LABEL_COLORS.length] })) : [];
    if (f.json) {
      process.stdout.write(`${JSON.stringify({ nodes: graph.n, latent: L, out, width: plot.width, height: plot.height, projection: L > 2 ? 'pca' : 'identity', axes, legend })}\n`);
      return;
    }
    const what = L > 2 ? `projected on their top two principal components (latent size ${L}; ${axes[0]}, ${axes[1]})` : `(${L === 2 ? 'z1, z2' : 'z1'})`;
    const colour = graph.labels ? `coloured by class (${legend.map((l) => `${l.label} ${l.name}`).join(', ')})` : 'in one colour (the graph has no classes)';
    process.stdout.write(`wrote the posterior means of ${graph.n} nodes ${what}, ${colour}, to ${out}\n`);
  } finally {
    close();
  }
}

/** `webgpu-vae graph <train|embed|latent> ...` */
export async function graphCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const subcommands: Record<string, (args: string[]) => Promise<void>> = { train: graphTrain, embed: graphEmbed, latent: graphLatent, generate: graphGenerate };
  const run = sub !== undefined && Object.hasOwn(subcommands, sub) ? subcommands[sub] : null;
  if (!run) throw new UsageError(sub ? `graph: unknown subcommand '${sub}' (train, embed or latent)` : 'graph: give a subcommand: train, embed or latent');
  await run(rest);
}
