/**
 * The page's data and spec panel (main thread): the data options of the settings (read with the
 * table's rules, filled from the URL), chosen or dropped files sent to the worker with their
 * paths and those options (and sent again when an option changes), and a model spec loaded from
 * a JSON file (docs/spec.md), checked in one line, shown, and used in place of the architecture
 * fields until it is cleared. A loaded checkpoint's spec is shown the same way.
 */
// Specs name layer types: the registry resolves them here as in the worker.
import '../layers/all.js';
import { describeObjective } from '../config.js';
import { parseSpec, resolveSpec, type ModelSpec } from '../model/spec.js';
import { PAGE_DATA_SETTINGS } from '../settings.js';
import type { PickedFile } from './files.js';
import { fillDataForm, readDataForm } from './form.js';
import type { ToWorker } from './protocol.js';
import { dataFieldId, dataOptionsFromQuery, type DataOptions } from './settings.js';

function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page is missing #${id}`);
  return e;
}

/** Shows text in a message slot (empty hides it). */
function say(id: string, text: string): void {
  const e = $(id);
  e.textContent = text;
  e.hidden = text === '';
}

/** A spec in use: the document and where it came from. */
export interface LoadedSpec {
  spec: ModelSpec;
  name: string;
}

/** The data options, the last files sent, and the loaded spec. */
export class DataPanel {
  private last: PickedFile[] | null = null;
  private loaded: LoadedSpec | null = null;

  constructor(
    query: URLSearchParams,
    private readonly send: (msg: ToWorker) => void,
    /** The seed of the settings form (the 80 / 20 split of one set), or null when the form is wrong. */
    private readonly seed: () => number | null,
    /** Called when the spec in use changes (the architecture fields lock or unlock). */
    private readonly specChanged: () => void,
  ) {
    try {
      fillDataForm(dataOptionsFromQuery(query));
    } catch (e) {
      fillDataForm({});
      say('data-error', `URL option ignored: ${(e as Error).message}`);
    }
    for (const key of PAGE_DATA_SETTINGS) $(dataFieldId(key)).addEventListener('change', () => this.resend());
    $('spec-input').addEventListener('change', (e) => {
      const input = e.target as HTMLInputElement;
      if (input.files?.[0]) void this.loadSpecFile(input.files[0]);
      input.value = '';
    });
    $('spec-clear').addEventListener('click', () => this.setSpec(null));
  }

  /** The data options, or null (the field's message shown) when one is wrong. */
  options(): DataOptions | null {
    try {
      const o = readDataForm();
      say('data-error', '');
      return o;
    } catch (e) {
      say('data-error', (e as Error).message);
      return null;
    }
  }

  /** Sends files to the worker as the data to train on. */
  useFiles(files: PickedFile[]): void {
    const options = this.options();
    const seed = this.seed();
    if (!options || seed === null) return;
    this.last = files;
    say('data-error', '');
    this.send({ type: 'data', files: files.map((f) => f.file), paths: files.map((f) => f.path), options, seed });
  }

  /** The embedded digits are back: options no longer re-read files. */
  forget(): void {
    this.last = null;
  }

  private resend(): void {
    if (this.last) this.useFiles(this.last);
  }

  /** The spec in use, or null. */
  get spec(): LoadedSpec | null {
    return this.loaded;
  }

  /** Reads a spec file: checked as `train --spec` checks it; its one-line error shown in the page. */
  async loadSpecFile(file: File): Promise<void> {
    try {
      const doc = parseSpec(await file.text(), file.name);
      const m = resolveSpec(doc);
      if (m.family !== 'vae') throw new Error(`${file.name}: a graph spec (family graph); load it in the graph mode's CLI: webgpu-vae graph train --spec`);
      this.setSpec({ spec: m.spec, name: file.name });
      say('spec-error', '');
    } catch (e) {
      const msg = (e as Error).message;
      say('spec-error', msg.startsWith(file.name) ? msg : `${file.name}: ${msg}`);
    }
  }

  /** Uses `s` in place of the architecture fields (null: the fields again), and shows it. */
  setSpec(s: LoadedSpec | null): void {
    this.loaded = s;
    const info = $('spec-info');
    (document.getElementById('spec-clear') as HTMLButtonElement).hidden = s === null;
    $('spec-view').hidden = s === null;
    if (!s) {
      info.textContent = 'No spec: the fields above describe the model.';
      $('spec-text').textContent = '';
    } else {
      const m = resolveSpec(s.spec);
      const layers = m.rows.filter((r) => r.layer !== null).length;
      info.textContent = `Spec ${s.name}: input ${m.input.join('x')}, latent ${m.latent}, ${layers} layers, ${describeObjective(m)}; it replaces the architecture and objective fields.`;
      $('spec-text').textContent = JSON.stringify(s.spec, null, 1);
    }
    this.specChanged();
  }
}
