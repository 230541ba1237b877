/**
 * The graph worker's training session: one graph, at most one graph VAE, and the page's
 * commands. A thin client of the Trainer (src/runtime/trainer.ts) with graphTask (one full-graph step
 * per epoch, validation AUC and AP after each), as `webgpu-vae graph train` is: the trainer owns
 * the loop, the divergence guard and device-loss recovery; the session turns its events into
 * messages and adds pause, the embedding view and checkpoint downloads.
 *
 * All GPU work goes through one queue (RunControl, src/app/run_control.ts), so a command from
 * the page runs between two epochs; the loop returns to the worker's event loop after every epoch.
 */
import { graphConfigName, saveGraphCheckpoint } from '../checkpoint/graph_checkpoint.js';
import { describeGraph, edgeCount, type Graph } from '../graph/graph.js';
import type { LinkMetrics } from '../graph/link.js';
import { decoderText, GraphVae } from '../graph/graph_vae.js';
import { graphTask, heldOutMetrics, heldOutNotice, hitsSetup, prepareGraph, type HitsSetup, type PreparedGraph } from '../graph/graph_task.js';
import { axisTitles } from '../views/latent_view.js';
import { project2d } from '../views/pca.js';
import { sampleIndices, samplePoints } from '../views/point_sample.js';
import type { TrainingState } from '../runtime/scheduler.js';
import { Trainer, type TrainerNotice, type TrainingTask } from '../runtime/trainer.js';
import type { DeviceSlot } from './device.js';
import type { FromGraphWorker } from './graph_protocol.js';
import type { GraphSettings } from './graph_settings.js';
import { nextTask } from './pace.js';
import { RunControl } from './run_control.js';
import type { RunState } from './protocol.js';

/** Sends a message to the page, moving the buffers of any arrays in it. */
export type GraphPost = (msg: FromGraphWorker, transfer?: Transferable[]) => void;

/** Shortest interval between embedding views while training (each is a readback and a PCA). */
const EMBEDDING_MS = 1000;

/** One graph, at most one model, and the page's commands. */
export class GraphSession {
  private trainer: Trainer<GraphVae, LinkMetrics> | null = null;
  private settings: GraphSettings | null = null;
  private prep: PreparedGraph | null = null;
  /** The device, the queue of GPU work and the loop's state (shared with the image session). */
  private readonly control: RunControl;
  /** The means the last evaluation read back, and when the page last got a view of them. */
  private lastMu: Float32Array | null = null;
  /** Hits@K's fixed, seeded non-edges for the model's split (null: off). */
  private hits: HitsSetup | null = null;
  private lastView = 0;
  /** The nodes the scatter view draws (null: all), drawn once per graph; undefined until then. */
  private viewNodes: Uint32Array | null | undefined = undefined;

  constructor(
    device: GPUDevice,
    openDevice: () => Promise<GPUDevice>,
    private graph: Graph,
    private graphName: string,
    private readonly post: GraphPost,
    private readonly fatal: (message: string) => void,
  ) {
    this.control = new RunControl(device, openDevice, {
      trainer: () => this.trainer,
      notice: (message) => this.post({ type: 'notice', rewindTo: null, message }),
      fatal: (message) => this.fatal(message),
    });
  }

  private get gpu(): DeviceSlot {
    return this.control.gpu;
  }

  private queued<T>(job: () => Promise<T>): Promise<T> {
    return this.control.queued(job);
  }

  /** Stops everything after a fatal error. */
  fail(): void {
    this.control.fail();
  }

  private setState(s: RunState): void {
    this.post({ type: 'state', state: s });
  }

  private postGraph(): void {
    const g = this.graph;
    this.post({ type: 'graph', name: this.graphName, summary: describeGraph(g), nodes: g.n, edges: edgeCount(g), features: g.features.cols, classes: g.labels ? [...g.classNames] : [] });
  }

  private postModel(): void {
    const m = this.trainer?.model;
    const r = this.prep?.record;
    this.post({
      type: 'model', settings: this.settings && { ...this.settings }, parameters: m ? m.config.features * m.config.hidden + 2 * m.config.hidden * m.config.latent : 0,
      trainEdges: r?.trainEdges ?? 0, valEdges: r?.valEdges ?? 0, testEdges: r?.testEdges ?? 0, dispatches: m?.dispatchesPerStep ?? 0,
      decoder: m ? decoderText(m.decoder, (this.prep?.graph ?? this.graph).n) : '',
    });
  }

  private progress(): void {
    const t = this.trainer;
    if (!t) {
      this.post({ type: 'progress', epoch: 0, epochs: this.settings?.epochs ?? 0, fraction: 0, loss: null, epochsPerS: 0, etaS: NaN });
      return;
    }
    const p = t.progress();
    this.post({ type: 'progress', epoch: t.epochsDone, epochs: p.epochs, fraction: p.fraction, loss: p.loss, epochsPerS: p.samplesPerS, etaS: p.etaS });
  }

  /** Announces the graph and the state to a freshly loaded page. */
  hello(): void {
    this.postGraph();
    this.postModel();
    this.progress();
    this.setState(this.trainer ? 'paused' : 'idle');
  }

  /** The task: graphTask, keeping the means its evaluation reads for the embedding view. */
  private task(prep: PreparedGraph): TrainingTask<GraphVae, LinkMetrics> {
    return {
      ...graphTask(prep.split),
      evaluate: async (model) => {
        this.lastMu = await model.embed();
        return heldOutMetrics(this.lastMu, model.config.latent, prep.split.valPos, prep.split.valNeg, this.hits);
      },
    };
  }

  private builder(s: GraphSettings, prep: PreparedGraph) {
    return (device: GPUDevice, state: TrainingState | null) => GraphVae.create({
      device, graph: prep.input, kind: s.kind, hidden: s.hidden, latent: s.latent, seed: s.seed, adam: { lr: s.lr },
      decoder: s.decoder, negatives: s.negatives, ...(state ? { state } : {}),
    });
  }

  private drop(): void {
    this.trainer?.destroy();
    this.trainer = null;
    this.settings = null;
    this.prep = null;
    this.lastMu = null;
    this.hits = null;
  }

  private async build(s: GraphSettings): Promise<void> {
    this.drop();
    const prep = prepareGraph(this.graph, { seed: s.seed, valFraction: s.valFraction, testFraction: s.testFraction, features: s.features });
    this.hits = hitsSetup(this.graph, s.hits, s.hitsNegatives, s.seed);
    const build = this.builder(s, prep);
    const model = await build(this.gpu.device, null);
    try {
      this.trainer = await Trainer.create(model, this.task(prep), {
        build,
        newDevice: () => this.gpu.replace(),
        events: {
          epoch: (e) => {
            const metric = (v: number) => (Number.isFinite(v) ? v : null);
            this.post({
              type: 'epoch', epoch: e.epoch, loss: e.trainLoss, valAuc: metric(e.evaluation.auc), valAp: metric(e.evaluation.ap),
              valHits: e.evaluation.hits === undefined ? null : metric(e.evaluation.hits), ms: e.ms,
            });
            if (performance.now() - this.lastView >= EMBEDDING_MS || e.epoch === this.trainer?.epochs) this.postEmbedding(e.epoch);
          },
          notice: (n) => this.onNotice(n),
        },
      });
    } catch (e) {
      model.destroy();
      throw e;
    }
    this.trainer.epochs = s.epochs;
    this.settings = { ...s };
    this.prep = prep;
  }

  /** The node means of the last evaluation, in 2-D, coloured by class. */
  private postEmbedding(epoch: number): void {
    const mu = this.lastMu;
    const t = this.trainer;
    if (!mu || !t) return;
    const L = t.model.config.latent;
    const n = this.graph.n;
    const proj = project2d(mu, n, L);
    const g = this.graph;
    const all = g.labels ? Uint8Array.from(g.labels, (c) => (c < 0 ? 0 : c % 10)) : null;
    // Beyond SCATTER_MAX_POINTS the page draws a fixed seeded sample of the nodes.
    const nodes = this.viewNodes === undefined ? (this.viewNodes = sampleIndices(n)) : this.viewNodes;
    const { points, labels } = nodes ? samplePoints(proj.points, all, nodes) : { points: proj.points, labels: all };
    this.lastView = performance.now();
    this.post(
      { type: 'embedding', epoch, latent: L, points, labels, nodes: nodes && nodes.slice(), total: n, axes: axisTitles(L, proj.explained) },
      [points.buffer as ArrayBuffer, ...(labels ? [labels.buffer as ArrayBuffer] : [])],
    );
  }

  private onNotice(n: TrainerNotice): void {
    if (n.kind === 'rollback') {
      this.post({ type: 'notice', rewindTo: n.toStep, message: `epoch ${n.badStep}: the loss exploded; rolled back to epoch ${n.toStep}` });
      return;
    }
    this.post({ type: 'notice', rewindTo: n.toStep, message: `GPU device lost (${n.reason}${n.message ? `: ${n.message}` : ''}); continuing on a new device from epoch ${n.toStep}` });
  }

  /** Starts or resumes training, splitting the graph and building the model first when there is none. */
  async start(settings: GraphSettings): Promise<void> {
    await this.control.start(async () => {
      if (!this.trainer) {
        try {
          await this.build(settings);
        } catch (e) {
          this.post({ type: 'error', where: 'settings', message: (e as Error).message });
          return false;
        }
        this.postModel();
        const notice = heldOutNotice(this.prep!.record);
        if (notice) this.post({ type: 'notice', rewindTo: null, message: notice });
      }
      this.settings!.epochs = settings.epochs;
      this.trainer!.epochs = settings.epochs;
      if (this.trainer!.planDone) {
        this.post({ type: 'error', where: 'settings', message: `all ${settings.epochs} epochs are done: raise epochs to train more, or reset` });
        return false;
      }
      this.setState('running');
      return true;
    }, () => this.trainLoop());
  }

  /** Stops after the epoch in progress. */
  async pause(): Promise<void> {
    await this.control.pause();
  }

  /** Drops the model. */
  async reset(): Promise<void> {
    await this.pause();
    await this.control.exclusive(async () => {
      this.drop();
      this.postModel();
      this.progress();
      this.setState('idle');
    });
  }

  /** Epochs to train in all. */
  setEpochs(epochs: number): void {
    if (this.settings) this.settings.epochs = epochs;
    if (this.trainer) this.trainer.epochs = epochs;
    this.progress();
  }

  private async trainLoop(): Promise<void> {
    const trainer = this.trainer!;
    await this.control.guarded(() => trainer.run(this.control.trainerOptions(async () => {
      await nextTask();
      this.progress();
    })), {
      diverged: (e) => this.post({ type: 'error', where: 'model', message: `${e.message}; reset and lower the learning rate` }),
      failed: (message) => this.post({ type: 'error', where: 'model', message }),
    });
    if (this.trainer === trainer) this.postEmbedding(trainer.epochsDone);
    this.progress();
    if (!this.control.failed) this.setState(trainer.planDone ? 'done' : 'paused');
  }

  /** A new graph: any model is dropped (its sizes belong to the old graph). */
  async setGraph(graph: Graph, name: string): Promise<void> {
    await this.pause();
    await this.control.exclusive(async () => {
      this.drop();
      this.graph = graph;
      this.graphName = name;
      this.viewNodes = undefined;
      this.postGraph();
      this.postModel();
      this.progress();
      this.setState('idle');
    });
  }

  /** The model as a .safetensors file (PyTorch Geometric's names). */
  async save(): Promise<void> {
    await this.queued(async () => {
      const t = this.trainer;
      if (!t || !this.settings || !this.prep) {
        this.post({ type: 'error', where: 'checkpoint', message: 'no model to save yet: start training first' });
        return;
      }
      const params = await t.model.readParameters();
      const loss = t.progress().loss;
      const bytes = saveGraphCheckpoint(params, {
        config: t.model.config, seed: this.settings.seed, step: t.step, split: this.prep.record, data: this.graphName, lr: this.settings.lr,
        decoder: t.model.decoder, ...(this.hits ? { hits: { k: this.hits.k, negatives: this.hits.negatives.length / 2 } } : {}), ...(loss === null ? {} : { loss }),
      });
      const name = `${this.settings.kind}-${graphConfigName(t.model.config).split(' ')[0]}-epoch${t.step}.safetensors`;
      this.post({ type: 'checkpoint', name, bytes }, [bytes.buffer as ArrayBuffer]);
    });
  }
}
