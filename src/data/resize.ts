/**
 * `--size H[xW]`: torchvision's `Resize` then `CenterCrop` on PIL images, as ImageFolder
 * pipelines do, reproduced to the byte.
 *
 * Resize. torchvision's `Resize(s)` scales the shorter side to s and the longer one to
 * int(s * long / short) (truncated); for a target H x W we scale so the image covers it: when
 * w0 / h0 >= W / H the height becomes H and the width int(H * w0 / h0), else the width W and
 * the height int(W * h0 / w0) (for a square target exactly `Resize(H)`). Pixels come from
 * Pillow's `Image.resize(size, BILINEAR)` (Pillow's Resample.c), which torchvision calls:
 *
 *   - separable: a horizontal pass, its result rounded to bytes, then a vertical pass; an axis
 *     whose size does not change is not resampled;
 *   - per output index i on an axis of in -> out: scale = in / out, filterscale =
 *     max(scale, 1), support = filterscale (the triangle's support 1, widened when shrinking,
 *     which is Pillow's antialiasing), centre = (i + 0.5) scale, taps
 *     x in [int(centre - support + 0.5), int(centre + support + 0.5)) clipped to the image,
 *     weights w(x) = max(0, 1 - |(x - centre + 0.5) / filterscale|), divided by their sum;
 *   - fixed point: each weight becomes int(w 2^22 + 0.5); a pass sums 2^21 + sum pixel * weight
 *     and keeps bits 22..29, clipped to 0..255 (Pillow's PRECISION_BITS = 22 and clip8).
 *
 * CenterCrop. torchvision's offsets: top = round((h - H) / 2), left = round((w - W) / 2),
 * with Python's round (halves to even).
 */
export { parseImageSize } from './options.js';

const PRECISION_BITS = 22;

/** Pillow's coefficients for one axis: each output's first tap, tap count, and fixed-point weights. */
interface AxisTaps {
  first: Int32Array;
  count: Int32Array;
  ksize: number;
  weights: Int32Array;
}

function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const filterscale = Math.max(1, scale);
  const support = filterscale; // the bilinear (triangle) filter's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(centre - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(centre + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - centre + 0.5) * ss);
      k[x] = t < 1 ? 1 - t : 0;
      sum += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      weights[i * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    first[i] = xmin;
    count[i] = xmax;
  }
  return { first, count, ksize, weights };
}

function clip8(v: number): number {
  if (v >= 1 << (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** One plane (h x w bytes) resampled to outH x outW as Pillow's BILINEAR does. */
export function resizePlane(src: Uint8Array, h: number, w: number, outH: number, outW: number): Uint8Array {
  let cur = src;
  let curW = w;
  if (outW !== w) {
    const t = axisTaps(w, outW);
    const out = new Uint8Array(h * outW);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < outW; x++) {
        let s = 1 << (PRECISION_BITS - 1);
        const f = t.first[x];
        for (let k = 0; k < t.count[x]; k++) s += cur[y * w + f + k] * t.weights[x * t.ksize + k];
        out[y * outW + x] = clip8(s);
      }
    }
    cur = out;
    curW = outW;
  }
  if (outH !== h) {
    const t = axisTaps(h, outH);
    const out = new Uint8Array(outH * curW);
    for (let y = 0; y < outH; y++) {
      const f = t.first[y];
      for (let x = 0; x < curW; x++) {
        let s = 1 << (PRECISION_BITS - 1);
        for (let k = 0; k < t.count[y]; k++) s += cur[(f + k) * curW + x] * t.weights[y * t.ksize + k];
        out[y * curW + x] = clip8(s);
      }
    }
    cur = out;
  }
  return cur === src ? src.slice() : cur;
}

/** Python's round(): to the nearest whole number, halves to even. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The size `Resize` gives an h0 x w0 image for target H x W (see the module comment). */
export function coverSize(h0: number, w0: number, H: number, W: number): { height: number; width: number } {
  // Compare w0 / h0 >= W / H without division.
  if (w0 * H >= W * h0) return { height: H, width: Math.max(W, Math.trunc((H * w0) / h0)) };
  return { height: Math.max(H, Math.trunc((W * h0) / w0)), width: W };
}

/**
 * A planar image (C x h x w bytes) resized to cover H x W and centre-cropped to it, as
 * torchvision's `Resize` + `CenterCrop` on a PIL image.
 */
export function resizeCenterCrop(planar: Uint8Array, c: number, h: number, w: number, H: number, W: number): Uint8Array {
  const r = coverSize(h, w, H, W);
  const top = roundHalfEven((r.height - H) / 2);
  const left = roundHalfEven((r.width - W) / 2);
  const out = new Uint8Array(c * H * W);
  for (let k = 0; k < c; k++) {
    const plane = resizePlane(planar.subarray(k * h * w, (k + 1) * h * w), h, w, r.height, r.width);
    for (let y = 0; y < H; y++) out.set(plane.subarray((top + y) * r.width + left, (top + y) * r.width + left + W), k * H * W + y * W);
  }
  return out;
}

