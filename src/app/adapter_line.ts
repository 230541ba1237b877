/** The page's adapter line (`#adapter`), written from either worker's `adapter` message. */
import type { AdapterText } from './protocol.js';

/** Shows the adapter's name, whether it is a software fallback, the kernels picked for it, and the device's features (title and data attributes). */
export function showAdapter(a: AdapterText): void {
  const el = document.getElementById('adapter');
  if (!el) return;
  const name = [a.vendor, a.architecture, a.description].filter((s) => s).join(' · ') || 'unnamed adapter';
  el.textContent = `WebGPU adapter: ${name}${a.fallback ? ' (software fallback: training is slow)' : ''}${a.kernels ? ` · ${a.kernels}` : ''}`;
  el.dataset.fallback = String(a.fallback);
  el.dataset.kernels = a.kernels ?? '';
  el.dataset.features = a.features.join(' ');
  el.title = a.features.length > 0 ? `device features: ${a.features.join(', ')}` : '';
}
