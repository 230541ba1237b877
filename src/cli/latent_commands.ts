/**
 * `latent` and `interpolate`: the latent space of a saved model as pictures, the same views the
 * page shows (src/views/latent_view.ts), rasterised on the CPU. Images are grey or RGB; feature
 * rows are drawn as line panels in the data's units, and their latent space without a manifold.
 */
import { writeFileAtomic } from '../node/atomic.js';
import { displayChannels, imageSize, imageValues, isSeries } from '../views/data_view.js';
import { LABEL_COLORS, latentView, MANIFOLD_RANGE, MANIFOLD_SIDE, SCATTER_COUNT, UNLABELLED_COLOR } from '../views/latent_view.js';
import { interpolate, INTERPOLATION_PATHS, type InterpolationPath } from '../vae/toolkit.js';
import { intFlag, parseFlags, required, UsageError } from './args.js';
import { DATA_OPTIONS } from './data.js';
import { imageRowsPng, seriesRowsPng } from './images.js';
import { latentPlot } from './latent_plot.js';
import { checkPng, firstRows, openModelWithData, rowsAt } from './model_data.js';

/**
 * `latent --model FILE [--data PATH] [--n 2000] [--out latent.png] [--json]`: the posterior means
 * of the first n test rows as a scatter coloured by label (principal components when the latent
 * size is above 2) and, for a 2-D latent space of images, the decoded manifold beside it, in one PNG.
 */
export async function latentCommand(args: string[]): Promise<void> {
  const f = parseFlags('latent', args, { model: { type: 'string' }, ...DATA_OPTIONS, n: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } });
  const path = required('model', f.model);
  const n = intFlag('n', f.n, SCATTER_COUNT, 1, 1_000_000);
  const out = checkPng(f.out ?? 'latent.png');
  const { vae, close, data, display } = await openModelWithData(path, f);
  try {
    const { latent } = vae.config;
    const count = Math.min(n, data.test.count);
    const view = await latentView(vae, firstRows(data.test, count), count);
    const labels = data.test.labels ? data.test.labels.slice(0, count) : null;
    // The manifold is a grid of images: feature rows have none.
    const images = view.manifold && !isSeries(display.shape) ? imageValues(view.manifold, MANIFOLD_SIDE * MANIFOLD_SIDE, display) : null;
    const plot = latentPlot({
      points: view.points, labels, axes: view.axes, equal: latent <= 2,
      manifold: images && { images, side: MANIFOLD_SIDE, range: MANIFOLD_RANGE, ...imageSize(display.shape), channels: displayChannels(display.shape) },
    });
    writeFileAtomic(out, plot.png);
    if (f.json) {
      const points = Array.from({ length: count }, (_, i) => [view.points[2 * i], view.points[2 * i + 1]]);
      process.stdout.write(`${JSON.stringify({
        data: data.test.name, n: count, latent, out, width: plot.width, height: plot.height,
        projection: latent > 2 ? 'pca' : 'identity', axes: view.axes, explained: view.explained,
        labelled: labels !== null,
        legend: labels ? LABEL_COLORS.map((color, label) => ({ label, color })) : [{ label: null, color: UNLABELLED_COLOR }],
        scatter: plot.scatter, legend_box: plot.legend,
        manifold: plot.manifold && { ...plot.manifold, side: MANIFOLD_SIDE, range: MANIFOLD_RANGE },
        points, labels: labels && Array.from(labels),
      })}\n`);
      return;
    }
    const what = latent > 2
      ? `projected on their top two principal components (latent size ${latent}; ${view.axes[0]}, ${view.axes[1]})`
      : `(${latent === 2 ? 'z1, z2' : 'z1'})`;
    const colour = labels ? 'coloured by label' : 'in one colour (the test set has no labels)';
    const manifold = plot.manifold ? `, and the decoded manifold over [-${MANIFOLD_RANGE}, ${MANIFOLD_RANGE}]^2 beside them` : '';
    process.stdout.write(`wrote the posterior means of ${count} test ${isSeries(display.shape) ? 'rows' : 'images'} ${what}, ${colour}${manifold}, to ${out}\n`);
  } finally {
    close();
  }
}

/** The --path flag: one of INTERPOLATION_PATHS, linear by default. */
function pathFlag(v: string | undefined): InterpolationPath {
  if (v === undefined) return 'linear';
  if (!(INTERPOLATION_PATHS as readonly string[]).includes(v)) throw new UsageError(`--path must be ${INTERPOLATION_PATHS.join(' or ')}, got '${v}'`);
  return v as InterpolationPath;
}

/** A test row index from a required flag, checked against the test set's size. */
function indexFlag(name: string, v: string | undefined, count: number): number {
  const s = required(name, v);
  if (!/^\d+$/.test(s) || Number(s) >= count) {
    throw new UsageError(`--${name} must be a test image index from 0 to ${count - 1}, got '${s}'`);
  }
  return Number(s);
}

/**
 * `interpolate --model FILE [--data PATH] --from I --to J [--steps 10] [--path linear|spherical]
 * [--out interp.png]`: one row: test row I, the decoded path between the posterior means of I
 * and J (steps points, both ends included), test row J; images side by side, or line panels.
 */
export async function interpolateCommand(args: string[]): Promise<void> {
  const f = parseFlags('interpolate', args, {
    model: { type: 'string' }, ...DATA_OPTIONS, from: { type: 'string' }, to: { type: 'string' },
    steps: { type: 'string' }, path: { type: 'string' }, out: { type: 'string' },
  });
  const model = required('model', f.model);
  required('from', f.from);
  required('to', f.to);
  const steps = intFlag('steps', f.steps, 10, 2, 1000);
  const kind = pathFlag(f.path);
  const out = checkPng(f.out ?? 'interp.png');
  let from = 0;
  let to = 0;
  const { vae, close, data, display } = await openModelWithData(model, f, (d) => {
    from = indexFlag('from', f.from, d.test.count);
    to = indexFlag('to', f.to, d.test.count);
  });
  try {
    const P = vae.config.inputSize;
    const ends = rowsAt(data.test, [from, to]);
    const frames = await interpolate(vae, ends.subarray(0, P), ends.subarray(P), steps, kind);
    const strip = new Float32Array((steps + 2) * P);
    strip.set(ends.subarray(0, P), 0);
    strip.set(frames, P);
    strip.set(ends.subarray(P), (steps + 1) * P);
    const n = steps + 2;
    writeFileAtomic(out, isSeries(display.shape) ? seriesRowsPng({ inputs: strip, n, columns: n }, display) : imageRowsPng(strip, n, display, n));
    const name = (i: number) => `test ${isSeries(display.shape) ? 'row' : 'image'} ${i}${data.test.labels ? ` (label ${data.test.labels[i]})` : ''}`;
    process.stdout.write(`wrote ${name(from)}, ${steps} decoded ${kind} steps between the posterior means, and ${name(to)} to ${out}\n`);
  } finally {
    close();
  }
}
