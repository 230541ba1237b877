/**
 * Scatter views of many points: a canvas draws about 20,000 small squares per frame without
 * stalling the page (a 250,000-node graph would take seconds per redraw and per click), so
 * beyond that the view shows a seeded uniform sample of the points: the same nodes at every
 * epoch, so the picture moves rather than flickers, and the same on every machine.
 */
import { GRAPH_DRAWS, PhiloxStream, STREAM_SPLIT } from '../graph/split.js';

/** Most points a scatter view draws. */
export const SCATTER_MAX_POINTS = 20_000;

/**
 * `max` distinct indices of [0, n), every subset of that size equally likely (Floyd's algorithm
 * on a Philox stream under (seed, STREAM_SPLIT), counters GRAPH_DRAWS.viewSample), in a seeded
 * random order: drawn in that order, no class is always painted over the others (a generated
 * block model numbers its blocks' nodes in runs); null when n <= max (draw everything).
 */
export function sampleIndices(n: number, max: number = SCATTER_MAX_POINTS, seed = 1): Uint32Array | null {
  if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(max) || max < 1) throw new Error(`sampleIndices: need whole n >= 0 and max >= 1, got ${n} and ${max}`);
  if (n <= max) return null;
  const rng = new PhiloxStream(seed >>> 0, STREAM_SPLIT, GRAPH_DRAWS.viewSample);
  const chosen = new Set<number>();
  for (let j = n - max; j < n; j++) {
    const t = rng.below(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = Uint32Array.from(chosen);
  for (let k = out.length - 1; k > 0; k--) {
    const r = rng.below(k + 1);
    [out[k], out[r]] = [out[r], out[k]];
  }
  return out;
}

/** The points (x, y pairs) and labels of the sampled indices, in their order. */
export function samplePoints(points: Float32Array, labels: Uint8Array | null, indices: Uint32Array): { points: Float32Array; labels: Uint8Array | null } {
  const p = new Float32Array(2 * indices.length);
  const l = labels ? new Uint8Array(indices.length) : null;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    p[2 * k] = points[2 * i];
    p[2 * k + 1] = points[2 * i + 1];
    if (l) l[k] = labels![i];
  }
  return { points: p, labels: l };
}
