/**
 * Progress of reading data (`--data PATH`) on stderr: one TaskProgress line per kind of work
 * (bytes read, bytes decompressed, bytes parsed, images decoded), shown only for work large
 * enough to take a while, so small data sets read silently.
 */
import type { ProgressCallback } from '../data/data_file.js';
import { TaskProgress } from './progress.js';

/** Below these totals nothing is drawn: 64 MiB of bytes, 500 images. */
const MIN_BYTES = 64 * 2 ** 20;
const MIN_IMAGES = 500;

/** A progress callback for the data readers that draws on `out` (stderr by default). */
export function dataProgress(out: NodeJS.WriteStream = process.stderr): ProgressCallback {
  const bars = new Map<string, TaskProgress>();
  return (done, total, what) => {
    if (total < (what === 'images' ? MIN_IMAGES : MIN_BYTES)) return;
    let bar = bars.get(what);
    if (!bar) bars.set(what, (bar = new TaskProgress(out, `data: ${what}`)));
    bar.update(done, total);
  };
}
