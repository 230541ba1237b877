/**
 * The training page (main thread). It starts the training worker, sends it the user's commands
 * and draws what it posts. Nothing here touches the GPU: drawing is coalesced into animation
 * frames (skipped while the tab is hidden, caught up when it shows again), and the `#status`
 * element's data-state / data-step / data-loss attributes are kept current for automated checks.
 *
 * URL options: `autostart=1` starts training once the worker is ready; `epochs`, `lr`, `batch`,
 * `arch` (mlp or conv), `hidden`, `channels` (comma-separated), `dense`, `latent` (default 20 for
 * mlp, 2 for conv), `seed`, `kind` (vae or ae), `likelihood` (bernoulli or
 * gaussian), `sigma` and `corrupt` (none, mask:P, gauss:S or saltpepper:P) replace the defaults
 * (checked as src/config.ts checks every setting);
 * `testhooks=1` adds the test hooks below.
 *
 * Faults training survived (a rollback after an exploded loss, a lost GPU device) are listed in
 * `#notice`; after repeated rollbacks training stops until the learning rate is changed.
 *
 * `mode=graph` opens the graph VAE's mode (src/app/graph_page.ts, with its own worker and URL
 * options); the Images / Graphs buttons in the header switch between the two.
 *
 * Test hooks: `testhooks=1` defines `window.webgpuVaeTest.loseDevice()`, which makes the worker
 * destroy its GPU device (as a driver reset would lose it), to check recovery, and
 * `window.webgpuVaeTest.interpolation()`, the last interpolation drawn with its frames as floats
 * (the canvas holds them rounded to 8 bits), and `window.webgpuVaeTest.lossChart()`, what the
 * loss chart holds and the lower end of its y scale. Without the option nothing is defined and
 * the worker is never sent the test message.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { showAdapter } from './adapter_line.js';
import { architectureName, defaultLatent, defaultSettings, settingsFromQuery, type Settings } from './settings.js';
import { describeObjective } from '../config.js';
import { SHORTHANDS } from '../model/shorthand.js';
import { fillForm, lockModelFields, readForm } from './form.js';
import { LossCharts } from './charts.js';
import { clearGrid, drawGrid } from './grids.js';
import { LatentScatter } from './scatter.js';
import { download, installDropZone, pickedFiles, type PickedFile } from './files.js';
import { DataPanel } from './data_panel.js';
import { showAnomalies } from './anomaly_panel.js';
import type { FromWorker, RunState, ToWorker } from './protocol.js';
import { noWebGpuAdvice } from './webgpu_advice.js';
import type { InterpolationPath } from '../vae/toolkit.js';
import { GraphMode } from './graph_page.js';

function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e;
}
const canvas = (id: string) => $(id) as HTMLCanvasElement;
const button = (id: string) => $(id) as HTMLButtonElement;
const field = (id: string) => $(id) as HTMLInputElement;

/** Shows a message in one of the page's message slots (empty text hides it). */
function say(id: 'run-error' | 'data-error' | 'checkpoint-error' | 'spec-error' | 'banner', text: string): void {
  const e = $(id);
  e.textContent = text;
  e.hidden = text === '';
}

/** 75 s as "1 min 15 s". */
function duration(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
}

// index.html checks this after loading, to explain a page whose code could not run.
document.documentElement.dataset.app = 'running';

const query = new URLSearchParams(location.search);
const testHooks = query.get('testhooks') === '1';
/** With test hooks: the last interpolation drawn, frames as plain numbers. */
let lastInterpolation: { path: InterpolationPath; a: number; b: number; count: number; pixels: number[] } | null = null;
// `mode=graph` opens the graph VAE's mode (src/app/graph_page.ts), which reads its own options.
const graphFirst = query.get('mode') === 'graph';
let autostart = query.get('autostart') === '1' && !graphFirst;
let initial: Settings;
try {
  initial = settingsFromQuery(query);
} catch (e) {
  initial = defaultSettings();
  say('run-error', `URL option ignored: ${(e as Error).message}`);
}
fillForm(initial);
lockModelFields(false);
// Sigma is the Gaussian decoder's only; hidden sizes the MLP's, channels and dense the conv VAE's.
field('likelihood').addEventListener('change', () => {
  if (!hasModel) lockFields();
});
// Each architecture starts from its own latent size (20 for the MLP, 2 for conv, whose point is
// the manifold): switching carries the latent size over unless it is another one's default.
field('arch').addEventListener('change', () => {
  if (hasModel) return;
  const arch = field('arch').value as keyof typeof SHORTHANDS;
  const others = (Object.keys(SHORTHANDS) as (keyof typeof SHORTHANDS)[]).filter((a) => a !== arch);
  if (others.some((a) => field('latent').value === String(defaultLatent(a)))) field('latent').value = String(defaultLatent(arch));
  lockFields();
});

/** Locks the model's fields while a model exists, and those a loaded spec replaces. */
function lockFields(): void {
  lockModelFields(hasModel, panel.spec !== null);
}

// Drawing happens in animation frames; while the tab is hidden nothing is drawn and only the
// latest drawing of each kind is kept.
const pending = new Map<string, () => void>();
let frame = 0;
function schedule(key: string, draw: () => void): void {
  pending.set(key, draw);
  if (!frame) frame = requestAnimationFrame(flush);
}
function flush(): void {
  frame = 0;
  for (const draw of pending.values()) draw();
  pending.clear();
  charts.render();
}

const charts = new LossCharts($('chart-loss'), $('chart-parts'));
const panel = new DataPanel(query, (msg) => send(msg), () => {
  try {
    return readForm().seed;
  } catch (e) {
    say('run-error', (e as Error).message);
    return null;
  }
}, () => {
  if (!hasModel) lockFields();
});
const status = $('status');
let state: RunState = 'loading';
let hasModel = false;
let fatal = false;
let latentShown = false;
/** The learning rate training diverged with; Start waits for another. */
let divergedLr: number | null = null;
/** What the model line says, kept to rewrite it when the learning rate changes. */
let modelLine: { inputShape: number[]; parameters: number; step: number; settings: Settings } | null = null;
/** Latest notices first, at most NOTICES. */
const NOTICES = 3;
const notices: string[] = [];

function notice(text: string | null): void {
  if (text === null) notices.length = 0;
  else notices.unshift(text);
  notices.length = Math.min(notices.length, NOTICES);
  const e = $('notice');
  e.replaceChildren(...notices.map((n) => Object.assign(document.createElement('div'), { textContent: n })));
  e.hidden = notices.length === 0;
}

function showModelLine(): void {
  const m = modelLine;
  $('model-info').textContent = m
    ? `Model ${architectureName(m.inputShape, m.settings)}${m.settings.spec ? ` (spec ${m.settings.specName ?? ''})` : ''}, ${describeObjective(m.settings)}: ${m.parameters.toLocaleString('en')} parameters, batch ${m.settings.batch}, lr ${m.settings.lr}, seed ${m.settings.seed}${m.step ? `, loaded at step ${m.step}` : ''}.`
    : 'No model yet: Start builds one from these settings.';
}
/** Which end the next click on the scatter sets: 0 = A, 1 = B. */
let nextPick = 0;

const scatter = new LatentScatter(canvas('scatter'), $('legend'), (i) => {
  field(nextPick === 0 ? 'interp-a' : 'interp-b').value = String(i);
  nextPick = 1 - nextPick;
  requestInterpolation();
});

function showFatal(message: string): void {
  fatal = true;
  say('banner', message);
  status.dataset.state = 'failed';
  $('progress-text').textContent = 'training is not possible in this page (see the message above)';
  if (!$('adapter').textContent?.startsWith('WebGPU adapter:')) $('adapter').textContent = 'no WebGPU adapter';
  if ($('data-info').textContent?.startsWith('loading')) $('data-info').textContent = 'not loaded';
  updateButtons();
}

if (!('gpu' in navigator)) {
  showFatal(
    !isSecureContext
      ? 'WebGPU needs a secure page: open this page from http://localhost (as `npm start` prints) or over https.'
      : noWebGpuAdvice((navigator as Navigator).userAgent),
  );
}

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'webgpu-vae training' });
const send = (msg: ToWorker) => worker.postMessage(msg);
worker.onerror = (e) => {
  e.preventDefault();
  showFatal(`The training worker stopped: ${e.message || 'it could not be loaded'}. Reload the page; if it persists, rebuild with \`npm run build\`.`);
};
worker.onmessageerror = () => showFatal('A message from the training worker could not be read. Reload the page.');

function updateButtons(): void {
  const busy = state === 'loading' || fatal;
  const start = button('start');
  start.disabled = busy || state === 'running' || (divergedLr !== null && Number(field('lr').value) === divergedLr);
  start.textContent = hasModel && (state === 'paused' || state === 'done') ? 'Continue' : 'Start';
  button('pause').disabled = busy || state !== 'running';
  button('reset').disabled = busy || !hasModel;
  button('save').disabled = busy || !hasModel;
  button('save-state').disabled = busy || !hasModel;
  button('embedded').disabled = busy;
  button('interp-go').disabled = busy || !hasModel || !latentShown;
  button('anomaly-go').disabled = busy || !hasModel;
  for (const id of ['idx-input', 'idx-folder', 'load-input']) field(id).disabled = busy;
}

function clearViews(): void {
  charts.clear();
  for (const id of ['originals', 'reconstructions', 'samples', 'denoising', 'manifold', 'interpolation']) clearGrid(canvas(id));
  delete canvas('interpolation').dataset.path;
  delete canvas('interpolation').dataset.pair;
  canvas('manifold').hidden = true;
  scatter.clear();
  latentShown = false;
  $('images-step').textContent = '';
  $('latent-step').textContent = '';
  $('anomaly-rows').replaceChildren();
  delete $('anomalies').dataset.auc;
  schedule('charts', () => undefined);
}

function requestInterpolation(): void {
  if (!hasModel || !latentShown) return;
  const a = Number(field('interp-a').value);
  const b = Number(field('interp-b').value);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) {
    say('run-error', 'interpolation: give two test digit numbers (0 or more), or click two points of the scatter');
    return;
  }
  scatter.select(a, b);
  send({ type: 'interpolate', a, b, path: interpolationPath() });
}

/** The path chosen in the interpolation panel. */
function interpolationPath(): InterpolationPath {
  return ($('interp-path') as HTMLSelectElement).value === 'spherical' ? 'spherical' : 'linear';
}

const INTERPOLATION_NOTES: Record<InterpolationPath, string> = {
  linear: "decoded points on the straight line between the two digits' posterior means",
  spherical: "decoded points on the great circle between the two digits' posterior means (slerp; the norm moves linearly)",
};

function settingsOrSay(): Settings | null {
  try {
    const s: Settings = readForm();
    const spec = panel.spec;
    if (spec) Object.assign(s, { spec: spec.spec, specName: spec.name });
    say('run-error', '');
    return s;
  } catch (e) {
    say('run-error', (e as Error).message);
    return null;
  }
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'adapter':
      showAdapter(m.adapter);
      break;
    case 'dataset':
      $('data-info').textContent = m.notice || `${m.name}, ${m.rows}x${m.cols} images${m.labels ? '' : ', no labels'}`;
      say('data-error', '');
      break;
    case 'model':
      hasModel = m.settings !== null;
      if (m.settings) fillForm(m.settings);
      // A model built from a spec (loaded here, or a checkpoint's) shows it; one built from the fields clears it.
      if (m.settings?.spec) panel.setSpec({ spec: m.settings.spec, name: m.settings.specName ?? 'the model\'s spec' });
      else if (m.settings && panel.spec) panel.setSpec(null);
      lockFields();
      clearViews();
      delete status.dataset.loss;
      delete status.dataset.testLoss;
      divergedLr = null;
      notice(null);
      modelLine = m.settings ? { inputShape: m.inputShape, parameters: m.parameters, step: m.step, settings: { ...m.settings } } : null;
      showModelLine();
      updateButtons();
      break;
    case 'state':
      state = m.state;
      status.dataset.state = m.state;
      updateButtons();
      if (m.state === 'idle' && autostart) {
        autostart = false;
        const s = settingsOrSay();
        if (s) send({ type: 'start', settings: s });
      }
      break;
    case 'progress': {
      status.dataset.step = String(m.step);
      if (m.loss !== null) status.dataset.loss = m.loss.toFixed(3);
      const text = m.totalSteps === 0
        ? 'no model yet: press Start'
        : `epoch ${m.epoch} / ${m.epochs} · step ${m.step.toLocaleString('en')} (${m.epochStep} / ${m.stepsPerEpoch} of this epoch)` +
          (m.samplesPerS > 0 ? ` · ${Math.round(m.samplesPerS).toLocaleString('en')} samples/s · ETA ${duration(m.etaS)}` : '') +
          (m.loss !== null ? ` · train loss ${m.loss.toFixed(1)}` : '');
      schedule('progress', () => {
        ($('progress') as HTMLProgressElement).value = m.fraction;
        $('progress-text').textContent = text;
      });
      break;
    }
    case 'losses':
      charts.addTrain(m.points);
      status.dataset.step = String(Math.max(Number(status.dataset.step ?? 0), m.points[m.points.length - 1].step));
      schedule('charts', () => undefined);
      break;
    case 'test':
      charts.addTest({ step: m.step, recon: m.recon, kl: m.kl });
      status.dataset.testLoss = (m.recon + m.kl).toFixed(3);
      schedule('charts', () => undefined);
      break;
    case 'images':
      schedule('images', () => {
        // Series panels are wider than digits: fewer of them a row.
        const series = m.originals.series === true;
        drawGrid(canvas('originals'), m.originals, series ? 2 : 8);
        drawGrid(canvas('reconstructions'), m.reconstructions, series ? 2 : 8);
        drawGrid(canvas('samples'), m.samples, series ? 4 : 16);
        drawGrid(canvas('denoising'), m.denoising, m.denoising.series ? m.denoising.count : m.denoising.count / 3);
        $('denoising-caption').textContent = `test digits, corrupted by ${m.corruption} (fresh noise each refresh), and the reconstructions of the corrupted ones`;
        $('images-step').textContent = `at step ${m.step}`;
      });
      break;
    case 'latent': {
      latentShown = true;
      schedule('latent', () => {
        scatter.set(m.points, m.labels, m.axes, m.manifold ? m.manifoldRange : 0, m.latent <= 2);
        $('latent-step').textContent = `at step ${m.step}`;
        $('scatter-caption').textContent = m.latent === 2
          ? 'posterior means of test digits (z1, z2), coloured by label; dashed square: the region of the manifold beside it; click two to interpolate'
          : `posterior means of test digits projected on their top two principal components (latent size ${m.latent}; each axis scaled to fit); click two to interpolate`;
        canvas('manifold').hidden = !m.manifold;
        if (m.manifold) {
          drawGrid(canvas('manifold'), m.manifold, Math.round(Math.sqrt(m.manifold.count)));
          $('manifold-caption').textContent = `decoded z on a grid over [-${m.manifoldRange}, ${m.manifoldRange}]², z2 upwards`;
        } else {
          $('manifold-caption').textContent = 'the decoded manifold is shown when the latent size is 2 (set latent to 2 and reset)';
        }
      });
      updateButtons();
      // Keeps the interpolation in step with the model.
      requestInterpolation();
      break;
    }
    case 'interpolation':
      schedule('interpolation', () => {
        const c = canvas('interpolation');
        drawGrid(c, m.frames, m.frames.series ? Math.ceil(m.frames.count / 2) : m.frames.count);
        // What the strip shows, for automated checks.
        c.dataset.path = m.path;
        c.dataset.pair = `${m.a},${m.b}`;
        if (testHooks) lastInterpolation = { path: m.path, a: m.a, b: m.b, count: m.frames.count, pixels: Array.from(m.frames.pixels) };
        $('interp-note').textContent = INTERPOLATION_NOTES[m.path];
      });
      break;
    case 'anomalies':
      schedule('anomalies', () => showAnomalies(m));
      break;
    case 'checkpoint':
      download(m.bytes, m.name);
      status.dataset.saved = m.name;
      say('checkpoint-error', '');
      break;
    case 'notice':
      notice(m.message);
      if (m.rewindTo !== null) {
        // Training went back: drop the abandoned steps' points, and let data-step go down with it.
        charts.dropAfter(m.rewindTo);
        status.dataset.step = String(m.rewindTo);
        schedule('charts', () => undefined);
      }
      break;
    case 'diverged':
      say('run-error', m.message);
      divergedLr = m.lr;
      // Only the learning rate may change: the model keeps its last good state.
      field('lr').disabled = false;
      updateButtons();
      break;
    case 'lr':
      divergedLr = null;
      say('run-error', '');
      lockModelFields(true, panel.spec !== null);
      if (modelLine) modelLine.settings.lr = m.lr;
      showModelLine();
      notice(`step ${m.step}: continuing with learning rate ${m.lr}`);
      updateButtons();
      break;
    case 'error':
      say(m.where === 'data' ? 'data-error' : m.where === 'checkpoint' ? 'checkpoint-error' : 'run-error', m.message);
      break;
    case 'fatal':
      showFatal(m.message);
      break;
  }
}
worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);

button('start').addEventListener('click', () => {
  const s = settingsOrSay();
  if (s) send({ type: 'start', settings: s });
});
button('pause').addEventListener('click', () => send({ type: 'pause' }));
button('reset').addEventListener('click', () => send({ type: 'reset' }));
field('lr').addEventListener('input', updateButtons);
if (testHooks) {
  (window as Window & { webgpuVaeTest?: unknown }).webgpuVaeTest = {
    loseDevice: () => send({ type: 'lose-device' }),
    interpolation: () => lastInterpolation,
    lossChart: () => charts.trainSummary(),
  };
}
field('epochs').addEventListener('change', () => {
  const s = settingsOrSay();
  if (s) send({ type: 'epochs', epochs: s.epochs });
});
button('save').addEventListener('click', () => send({ type: 'save' }));
button('save-state').addEventListener('click', () => send({ type: 'save', state: true }));
button('embedded').addEventListener('click', () => {
  panel.forget();
  send({ type: 'embedded' });
});
button('interp-go').addEventListener('click', requestInterpolation);
button('anomaly-go').addEventListener('click', () => send({ type: 'anomalies' }));
$('interp-path').addEventListener('change', requestInterpolation);

function loadCheckpoint(file: File): void {
  const s = settingsOrSay() ?? initial;
  say('checkpoint-error', '');
  send({ type: 'load', file, settings: s });
}
/** Files chosen or dropped: a model, a spec, or data. */
function useFiles(files: PickedFile[]): void {
  if (files.length === 1 && /\.safetensors$/i.test(files[0].file.name)) return loadCheckpoint(files[0].file);
  if (files.length === 1 && /\.json$/i.test(files[0].file.name)) {
    if (hasModel) say('spec-error', 'a model exists: Reset, then load the spec');
    else void panel.loadSpecFile(files[0].file);
    return;
  }
  panel.useFiles(files);
}
for (const id of ['idx-input', 'idx-folder']) {
  field(id).addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (input.files && input.files.length > 0) useFiles(pickedFiles(input.files));
    input.value = '';
  });
}
field('load-input').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  if (input.files?.[0]) loadCheckpoint(input.files[0]);
  input.value = '';
});
// The two modes: images (this file) and graphs; drops go to the mode shown.
const graph = new GraphMode(query);
let graphShown = false;
function showMode(toGraph: boolean): void {
  graphShown = toGraph;
  $('image-mode').hidden = toGraph;
  $('graph-mode').hidden = !toGraph;
  $('mode-image').setAttribute('aria-pressed', String(!toGraph));
  $('mode-graph').setAttribute('aria-pressed', String(toGraph));
  $('drop-overlay').textContent = toGraph
    ? 'Drop a LINQS pair (.content and .cites) or an edge list to train on it'
    : 'Drop data (IDX files, an image folder, CIFAR-10 batches, .npy or CSV) or a folder to train on it, a model spec (.json) or a .safetensors model';
  if (toGraph) graph.show();
  // Charts and the scatter size themselves to their now visible panels.
  schedule('charts', () => undefined);
}
$('mode-image').addEventListener('click', () => showMode(false));
$('mode-graph').addEventListener('click', () => showMode(true));
if (graphFirst) showMode(true);
installDropZone(
  $('drop-overlay'),
  (files) => (graphShown ? graph.useFiles(files.map((f) => f.file)) : fatal ? undefined : useFiles(files)),
  (msg) => say(graphShown ? 'banner' : 'data-error', msg),
);

// Coming back to a hidden tab: draw whatever arrived meanwhile.
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) schedule('charts', () => undefined);
});
updateButtons();
