/**
 * The settings form: filling it, reading it back (with the field's own error message), and
 * locking the fields that define a model while one exists, or that a loaded spec replaces.
 * Fields are named by the one table (src/app/settings.ts).
 */
import { PAGE_DATA_SETTINGS } from '../settings.js';
import {
  dataFieldId, dataOptionText, fieldName, parseDataOption, parseSetting, SETTING_KEYS, settingText, SPEC_HOLDS, type DataOptions, type Settings,
} from './settings.js';

function input(id: string): HTMLInputElement | HTMLSelectElement {
  const e = document.getElementById(id);
  if (!(e instanceof HTMLInputElement) && !(e instanceof HTMLSelectElement)) throw new Error(`page is missing the input #${id}`);
  return e;
}

/** Writes every setting into its field. */
export function fillForm(s: Settings): void {
  for (const key of SETTING_KEYS) input(fieldName(key)).value = settingText(s, key);
}

/** Parses each field with `parse`; throws the first field's error, and marks that field. */
function readFields<K extends string>(keys: readonly K[], id: (k: K) => string, parse: (k: K, e: HTMLInputElement | HTMLSelectElement) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const field = input(id(key));
    try {
      const v = parse(key, field);
      if (v !== undefined) out[key] = v;
      field.removeAttribute('aria-invalid');
    } catch (e) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      throw e;
    }
  }
  return out;
}

/** Reads and validates the form; throws the first field's error, and marks that field. The spec is the caller's. */
export function readForm(): Settings {
  return readFields(SETTING_KEYS, fieldName, (k, e) => parseSetting(k, e.value)) as unknown as Settings;
}

/** Writes the data options into their fields. */
export function fillDataForm(o: DataOptions): void {
  for (const key of PAGE_DATA_SETTINGS) {
    const e = input(dataFieldId(key));
    if (e instanceof HTMLInputElement && e.type === 'checkbox') e.checked = o[key] === true;
    else e.value = dataOptionText(o, key);
  }
}

/** Reads the data options; throws the first field's error, and marks that field. */
export function readDataForm(): DataOptions {
  return readFields(PAGE_DATA_SETTINGS, dataFieldId, (k, e) => (e instanceof HTMLInputElement && e.type === 'checkbox' ? e.checked : parseDataOption(k, e.value))) as DataOptions;
}

/**
 * Locks the fields a model is built from (batch, sizes, objective, seed, learning rate) while a
 * model exists: changing them means a new model, which is what Reset is for. Sigma only applies
 * to the Gaussian decoder, hidden sizes to the MLP, channels and the dense width to the
 * convolutional VAE; a loaded spec holds the architecture and the objective itself.
 */
export function lockModelFields(locked: boolean, spec = false): void {
  for (const key of SETTING_KEYS) if (key !== 'epochs') input(fieldName(key)).disabled = locked;
  if (locked) return;
  if (spec) {
    for (const key of SPEC_HOLDS) input(fieldName(key)).disabled = true;
    return;
  }
  input('sigma').disabled = input('likelihood').value !== 'gaussian';
  const conv = input('arch').value === 'conv';
  input('hidden').disabled = conv;
  input('channels').disabled = !conv;
  input('dense').disabled = !conv;
}
