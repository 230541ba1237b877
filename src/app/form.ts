/**
 * The settings form: filling it, reading it back (with the field's own error message), and
 * locking the fields that define a model while one exists.
 */
import { parseSetting, SETTING_KEYS, settingText, type Settings } from './settings.js';

function input(key: string): HTMLInputElement | HTMLSelectElement {
  const e = document.getElementById(key);
  if (!(e instanceof HTMLInputElement) && !(e instanceof HTMLSelectElement)) throw new Error(`page is missing the input #${key}`);
  return e;
}

/** Writes every setting into its field. */
export function fillForm(s: Settings): void {
  for (const key of SETTING_KEYS) input(key).value = settingText(s, key);
}

/** Reads and validates the form; throws the first field's error, and marks that field. */
export function readForm(): Settings {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const field = input(key);
    try {
      out[key] = parseSetting(key, field.value);
      field.removeAttribute('aria-invalid');
    } catch (e) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      throw e;
    }
  }
  return out as unknown as Settings;
}

/**
 * Locks the fields a model is built from (batch, sizes, objective, seed, learning rate) while a
 * model exists: changing them means a new model, which is what Reset is for. Sigma only applies
 * to the Gaussian decoder, hidden sizes to the MLP, channels and the dense width to the
 * convolutional VAE.
 */
export function lockModelFields(locked: boolean): void {
  for (const key of SETTING_KEYS) if (key !== 'epochs') input(key).disabled = locked;
  if (locked) return;
  input('sigma').disabled = input('likelihood').value !== 'gaussian';
  const conv = input('arch').value === 'conv';
  input('hidden').disabled = conv;
  input('channels').disabled = !conv;
  input('dense').disabled = !conv;
}
