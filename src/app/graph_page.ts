/**
 * The page's graph mode (main thread): the VGAE / GAE of Kipf & Welling (2016) trained on the
 * embedded Cora, or on dropped LINQS or edge-list files, in its own worker
 * (src/app/graph_worker.ts). It shows the training loss and the validation AUC / AP per epoch,
 * and the node embeddings (posterior means, PCA to 2-D) coloured by class, with the image
 * mode's scatter. The worker starts when the mode is first shown.
 *
 * `#g-status` carries data-state, data-epoch, data-loss, data-val-auc and data-val-ap for
 * automated checks. URL options (with `mode=graph`): `autostart=1`, `model`, `features`,
 * `epochs`, `lr`, `hidden`, `latent`, `seed`, `val`, `test`.
 */
import { showAdapter } from './adapter_line.js';
import { GraphCharts } from './graph_charts.js';
import type { FromGraphWorker, ToGraphWorker } from './graph_protocol.js';
import { checkFractions, DEFAULT_GRAPH_SETTINGS, describeGraphSettings, GRAPH_FIELDS, graphSettingsFromQuery, parseGraphField, type GraphSettings } from './graph_settings.js';
import { download } from './files.js';
import type { RunState } from './protocol.js';
import { LatentScatter } from './scatter.js';

function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e;
}
const field = (name: string) => $(`g-${name}`) as HTMLInputElement | HTMLSelectElement;
const button = (id: string) => $(id) as HTMLButtonElement;

function say(id: 'g-run-error' | 'g-data-error' | 'g-checkpoint-error', text: string): void {
  const e = $(id);
  e.textContent = text;
  e.hidden = text === '';
}

function fillForm(s: GraphSettings): void {
  for (const f of GRAPH_FIELDS) field(f.name).value = String(s[f.key]);
}

/** The form's settings; throws the first bad field's message and marks the field. */
function readForm(): GraphSettings {
  const out: Record<string, unknown> = {};
  for (const f of GRAPH_FIELDS) {
    const e = field(f.name);
    try {
      out[f.key] = parseGraphField(f, e.value);
      e.removeAttribute('aria-invalid');
    } catch (err) {
      e.setAttribute('aria-invalid', 'true');
      e.focus();
      throw err;
    }
  }
  checkFractions(out as unknown as GraphSettings);
  return out as unknown as GraphSettings;
}

/** The graph mode of the page. */
export class GraphMode {
  private worker: Worker | null = null;
  private state: RunState = 'loading';
  private hasModel = false;
  private fatal = false;
  private autostart: boolean;
  private readonly initial: GraphSettings;
  private readonly charts: GraphCharts;
  private readonly scatter: LatentScatter;
  private classes: string[] = [];
  /** Each drawn point's class colour in the embedding shown. */
  private labels: Uint8Array | null = null;
  /** The node number of each drawn point (a seeded sample of a large graph); null: point i is node i. */
  private viewNodes: Uint32Array | null = null;
  /** Training time of the last epoch (the trainer's figure, the validation not counted). */
  private lastEpochMs: number | null = null;
  private frame = 0;
  private readonly pending = new Map<string, () => void>();

  constructor(query: URLSearchParams) {
    this.autostart = query.get('autostart') === '1';
    let initial: GraphSettings;
    try {
      initial = graphSettingsFromQuery(query);
    } catch (e) {
      initial = { ...DEFAULT_GRAPH_SETTINGS };
      say('g-run-error', `URL option ignored: ${(e as Error).message}`);
    }
    this.initial = initial;
    fillForm(initial);
    this.charts = new GraphCharts($('g-chart-loss'), $('g-chart-metrics'));
    this.scatter = new LatentScatter($('g-scatter') as HTMLCanvasElement, $('g-legend'), (i) => {
      const c = this.classes.length > 0 && this.labels ? ` (${this.classes[this.labels[i]] ?? 'no class'})` : '';
      $('g-scatter-caption').textContent = `node ${this.viewNodes ? this.viewNodes[i] : i}${c}`;
    });
    button('g-start').addEventListener('click', () => this.start());
    button('g-pause').addEventListener('click', () => this.send({ type: 'pause' }));
    button('g-reset').addEventListener('click', () => this.send({ type: 'reset' }));
    button('g-save').addEventListener('click', () => this.send({ type: 'save' }));
    button('g-embedded').addEventListener('click', () => this.send({ type: 'embedded' }));
    field('epochs').addEventListener('change', () => {
      try {
        this.send({ type: 'epochs', epochs: parseGraphField(GRAPH_FIELDS.find((f) => f.key === 'epochs')!, field('epochs').value) as number });
      } catch (e) {
        say('g-run-error', (e as Error).message);
      }
    });
    ($('g-files') as HTMLInputElement).addEventListener('change', (e) => {
      const input = e.target as HTMLInputElement;
      if (input.files && input.files.length > 0) this.useFiles(Array.from(input.files));
      input.value = '';
    });
    this.lockFields(false);
    this.updateButtons();
  }

  /** Shows the mode, starting its worker the first time. */
  show(): void {
    if (this.worker || this.fatal) return;
    const w = new Worker(new URL('./graph_worker.js', import.meta.url), { type: 'module', name: 'webgpu-vae graph training' });
    w.onmessage = (e: MessageEvent<FromGraphWorker>) => this.onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      this.showFatal(`The graph training worker stopped: ${e.message || 'it could not be loaded'}. Reload the page; if it persists, rebuild with \`npm run build\`.`);
    };
    this.worker = w;
  }

  /** Dropped or chosen files: a LINQS pair or an edge list. */
  useFiles(files: File[]): void {
    if (this.fatal) return;
    this.show();
    say('g-data-error', '');
    this.send({ type: 'data', files });
  }

  private send(msg: ToGraphWorker): void {
    this.worker?.postMessage(msg);
  }

  private start(): void {
    try {
      const s = readForm();
      say('g-run-error', '');
      this.send({ type: 'start', settings: s });
    } catch (e) {
      say('g-run-error', (e as Error).message);
    }
  }

  private schedule(key: string, draw: () => void): void {
    this.pending.set(key, draw);
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        for (const d of this.pending.values()) d();
        this.pending.clear();
        this.charts.render();
      });
    }
  }

  private lockFields(locked: boolean): void {
    for (const f of GRAPH_FIELDS) if (f.key !== 'epochs') field(f.name).disabled = locked;
  }

  private updateButtons(): void {
    const busy = this.state === 'loading' || this.fatal;
    button('g-start').disabled = busy || this.state === 'running';
    button('g-start').textContent = this.hasModel && (this.state === 'paused' || this.state === 'done') ? 'Continue' : 'Start';
    button('g-pause').disabled = busy || this.state !== 'running';
    button('g-reset').disabled = busy || !this.hasModel;
    button('g-save').disabled = busy || !this.hasModel;
    button('g-embedded').disabled = busy;
    ($('g-files') as HTMLInputElement).disabled = busy;
  }

  private showFatal(message: string): void {
    this.fatal = true;
    const b = $('banner');
    b.textContent = message;
    b.hidden = false;
    $('g-status').dataset.state = 'failed';
    $('g-progress-text').textContent = 'training is not possible in this page (see the message above)';
    this.updateButtons();
  }

  private onMessage(m: FromGraphWorker): void {
    const status = $('g-status');
    switch (m.type) {
      case 'adapter':
        showAdapter(m.adapter);
        break;
      case 'graph':
        this.classes = m.classes;
        $('g-data-info').textContent = `${m.name}: ${m.summary}`;
        this.scatter.setLegend(m.classes.length > 0 ? m.classes : null);
        $('g-legend').hidden = m.classes.length === 0;
        say('g-data-error', '');
        break;
      case 'model':
        this.hasModel = m.settings !== null;
        this.lastEpochMs = null;
        if (m.settings) fillForm(m.settings);
        this.lockFields(this.hasModel);
        this.charts.clear();
        this.scatter.clear();
        $('g-embedding-step').textContent = '';
        for (const k of ['epoch', 'loss', 'valAuc', 'valAp', 'valHits']) delete status.dataset[k];
        $('g-model-info').textContent = m.settings
          ? `${describeGraphSettings(m.settings)}: ${m.parameters.toLocaleString('en')} parameters; edges ${m.trainEdges.toLocaleString('en')} train / ${m.valEdges.toLocaleString('en')} validation / ${m.testEdges.toLocaleString('en')} test; ${m.dispatches} dispatches per epoch; decoder ${m.decoder}.`
          : 'No model yet: Start splits the edges and builds one from these settings.';
        $('g-notice').hidden = true;
        this.schedule('charts', () => undefined);
        this.updateButtons();
        break;
      case 'state':
        this.state = m.state;
        status.dataset.state = m.state;
        this.updateButtons();
        if (m.state === 'idle' && this.autostart) {
          this.autostart = false;
          this.start();
        }
        break;
      case 'progress': {
        const text = m.epochs === 0 || (!this.hasModel && m.epoch === 0)
          ? 'no model yet: press Start'
          : `epoch ${m.epoch} / ${m.epochs}` + (this.lastEpochMs !== null ? ` · last epoch ${(this.lastEpochMs / 1000).toFixed(2)} s` : '') +
            (m.etaS > 0 ? ` · ETA ${Math.round(m.etaS)} s` : '') + (m.loss !== null ? ` · loss ${m.loss.toFixed(4)}` : '');
        this.schedule('progress', () => {
          ($('g-progress') as HTMLProgressElement).value = m.fraction;
          $('g-progress-text').textContent = text;
        });
        break;
      }
      case 'epoch':
        this.lastEpochMs = m.ms;
        this.charts.add(m.epoch, m.loss, m.valAuc, m.valAp);
        status.dataset.epoch = String(m.epoch);
        status.dataset.loss = m.loss.toFixed(4);
        if (m.valAuc !== null) status.dataset.valAuc = m.valAuc.toFixed(4);
        if (m.valAp !== null) status.dataset.valAp = m.valAp.toFixed(4);
        if (m.valHits !== null) status.dataset.valHits = m.valHits.toFixed(4);
        this.schedule('charts', () => undefined);
        break;
      case 'embedding':
        this.labels = m.labels;
        this.viewNodes = m.nodes;
        status.dataset.embeddingEpoch = String(m.epoch);
        status.dataset.embeddingPoints = String(m.points.length / 2);
        this.schedule('embedding', () => {
          this.scatter.set(m.points, m.labels, m.axes, 0, m.latent <= 2);
          $('g-embedding-step').textContent = `after epoch ${m.epoch}`;
          const which = m.nodes
            ? `a seeded sample of ${m.nodes.length.toLocaleString('en')} of the ${m.total.toLocaleString('en')} nodes`
            : m.latent > 2 ? `the ${m.total.toLocaleString('en')} nodes` : 'the nodes';
          $('g-scatter-caption').textContent = m.latent > 2
            ? `posterior means of ${which} on their top two principal components (latent size ${m.latent})${m.labels ? ', coloured by class' : ''}; click a node to name it`
            : `posterior means of ${which}${m.labels ? ', coloured by class' : ''}; click a node to name it`;
        });
        break;
      case 'reading': {
        const mib = (b: number) => (b / 2 ** 20).toFixed(1);
        const show = () => {
          ($('g-progress') as HTMLProgressElement).value = m.total > 0 ? m.done / m.total : 0;
          $('g-progress-text').textContent = `reading ${m.file}: ${mib(m.done)} of ${mib(m.total)} MiB`;
        };
        // Reports within a frame merge, but a file's last one is shown at once: the next
        // file's first report in the same frame would otherwise replace it, and the line
        // would never say that the file was read to its end.
        if (m.done >= m.total) {
          this.pending.delete('progress'); // an earlier report of this file, now stale
          show();
        } else this.schedule('progress', show);
        break;
      }
      case 'checkpoint':
        download(m.bytes, m.name);
        status.dataset.saved = m.name;
        say('g-checkpoint-error', '');
        break;
      case 'notice': {
        const n = $('g-notice');
        n.textContent = m.message;
        n.hidden = false;
        if (m.rewindTo !== null) this.charts.dropAfter(m.rewindTo);
        this.schedule('charts', () => undefined);
        break;
      }
      case 'error':
        say(m.where === 'data' ? 'g-data-error' : m.where === 'checkpoint' ? 'g-checkpoint-error' : 'g-run-error', m.message);
        break;
      case 'fatal':
        this.showFatal(m.message);
        break;
    }
  }

  /** The settings the page opened with (URL options over the defaults). */
  get initialSettings(): GraphSettings {
    return this.initial;
  }
}
