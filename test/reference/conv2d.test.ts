// The convolution reference: hand-computed cases, and gradients against central finite differences.
import { describe, expect, it } from 'vitest';
import { convOutputSize, validateConvGeometry, type Conv2dGeometry, type ConvLayerKind } from '../../src/layers/conv2d_geometry.js';
import {
  conv2dBackwardInput, conv2dBackwardWeight, conv2dForward,
  convTranspose2dBackwardInput, convTranspose2dBackwardWeight, convTranspose2dForward,
} from '../../src/reference/conv2d.js';
import { seededUniform } from '../util/data.js';
import { NO_ACTIVATION, RELU, reluIf } from '../../src/layers/activation.js';

/** One layer type's three reference functions, under common names. */
const LAYERS = {
  conv2d: { forward: conv2dForward, backwardInput: conv2dBackwardInput, backwardWeight: conv2dBackwardWeight },
  conv_transpose2d: { forward: convTranspose2dForward, backwardInput: convTranspose2dBackwardInput, backwardWeight: convTranspose2dBackwardWeight },
};

const sizes = (kind: ConvLayerKind, g: Conv2dGeometry) => {
  const { ho, wo } = convOutputSize(kind, g);
  return { x: g.rows * g.cin * g.h * g.w, y: g.rows * g.cout * ho * wo, w: g.cin * g.cout * g.k * g.k };
};

describe('conv2d reference: hand-computed cases', () => {
  // x = 1..9 as a 3x3 image.
  const x = Float64Array.from({ length: 9 }, (_, i) => i + 1);

  it('conv2d, k=2 s=1 p=0: the cross-correlation, not the flipped convolution', () => {
    const y = new Float64Array(4);
    conv2dForward(y, x, [1, 2, 3, 4], [0.5], { rows: 1, cin: 1, h: 3, w: 3, cout: 1, k: 2, stride: 1, padding: 0 }, NO_ACTIVATION);
    // y[0,0] = 1*1 + 2*2 + 4*3 + 5*4 and so on, plus the bias.
    expect(Array.from(y)).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  it('conv2d, k=3 s=2 p=1, two output channels, ReLU', () => {
    const y = new Float64Array(8);
    // Channel 0 sums each window (the zero padding adds nothing); channel 1 is minus that.
    const w = [...Array(9).fill(1), ...Array(9).fill(-1)];
    conv2dForward(y, x, w, [0, 1], { rows: 1, cin: 1, h: 3, w: 3, cout: 2, k: 3, stride: 2, padding: 1 }, RELU);
    // Windows at rows -1..1 / 1..3 and columns -1..1 / 1..3: 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
    expect(Array.from(y)).toEqual([12, 16, 24, 28, 0, 0, 0, 0]);
  });

  it('conv_transpose2d, k=2 s=1 p=0: each input pixel scatters the kernel', () => {
    const y = new Float64Array(9);
    convTranspose2dForward(y, [1, 2, 3, 4], [1, 2, 3, 4], [0], { rows: 1, cin: 1, h: 2, w: 2, cout: 1, k: 2, stride: 1, padding: 0 }, NO_ACTIVATION);
    // e.g. the centre gets 1*4 + 2*3 + 3*2 + 4*1.
    expect(Array.from(y)).toEqual([1, 4, 4, 6, 20, 16, 9, 24, 16]);
  });

  it('conv_transpose2d, k=2 s=2 p=1 op=1: padding crops the start, output padding extends the end', () => {
    // Without cropping, x = [[1,2],[3,4]] and w = [[1,0],[0,1]] give the 4x4
    //   1 0 2 0 / 0 1 0 2 / 3 0 4 0 / 0 3 0 4
    // p=1 drops row and column 0; the size is (2-1)2 - 2 + 2 + 1 = 3, so rows and columns 1..3 stay.
    const y = new Float64Array(9);
    convTranspose2dForward(y, [1, 2, 3, 4], [1, 0, 0, 1], [0.25], { rows: 1, cin: 1, h: 2, w: 2, cout: 1, k: 2, stride: 2, padding: 1, outputPadding: 1 }, NO_ACTIVATION);
    expect(Array.from(y)).toEqual([1, 0, 2, 0, 4, 0, 3, 0, 4].map((v) => v + 0.25));
  });

  it('conv_transpose2d, s=2 op=1 beyond the scattered area: only the bias there', () => {
    const y = new Float64Array(25);
    convTranspose2dForward(y, [1, 2, 3, 4], [1, 0, 0, 1], [-1], { rows: 1, cin: 1, h: 2, w: 2, cout: 1, k: 2, stride: 2, padding: 0, outputPadding: 1 }, RELU);
    // The 4x4 above in the top-left of a 5x5, minus 1, through ReLU.
    const want = [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 2, 0, 3, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0];
    expect(Array.from(y)).toEqual(want);
  });

  it('geometry errors name the numbers', () => {
    expect(() => validateConvGeometry('conv2d', { rows: 1, cin: 1, h: 1, w: 1, cout: 1, k: 3, stride: 1, padding: 0 })).toThrow(
      'conv2d: kernel 3 with padding 0 does not fit a 1x1 input',
    );
    expect(() => validateConvGeometry('conv_transpose2d', { rows: 1, cin: 1, h: 7, w: 7, cout: 1, k: 3, stride: 2, padding: 1, outputPadding: 2 })).toThrow(
      'conv_transpose2d: output padding 2 must be smaller than stride 2',
    );
    expect(() => validateConvGeometry('conv_transpose2d', { rows: 1, cin: 1, h: 1, w: 1, cout: 1, k: 1, stride: 1, padding: 1 })).toThrow(
      'conv_transpose2d: kernel 1 with padding 1 gives a -1x-1 output from a 1x1 input',
    );
    expect(() => validateConvGeometry('conv2d', { rows: 1, cin: 0, h: 1, w: 1, cout: 1, k: 1, stride: 1, padding: 0 })).toThrow('conv2d: cin=0 must be a positive integer');
    expect(() => validateConvGeometry('conv2d', { rows: 1, cin: 1, h: 4, w: 4, cout: 1, k: 3, stride: 1, padding: 0, outputPadding: 1 })).toThrow(
      'conv2d: outputPadding=1 is for conv_transpose2d only',
    );
  });
});

// Odd channels (3 -> 5), odd and unequal heights and widths, both strides, both paddings, and
// output padding for the transposed layer.
const CASES: { kind: ConvLayerKind; g: Conv2dGeometry }[] = [];
for (const stride of [1, 2]) {
  for (const padding of [0, 1]) {
    CASES.push({ kind: 'conv2d', g: { rows: 2, cin: 3, h: 5, w: 7, cout: 5, k: 3, stride, padding } });
    for (const outputPadding of stride > 1 ? [0, 1] : [0]) {
      CASES.push({ kind: 'conv_transpose2d', g: { rows: 2, cin: 3, h: 3, w: 5, cout: 5, k: 3, stride, padding, outputPadding } });
    }
  }
}

/** Central differences of `f` at every element of `v` (changed in place and restored). */
function centralDifferences(v: Float64Array, f: () => number, h = 1e-6): Float64Array {
  const fd = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + h;
    const up = f();
    v[i] = keep - h;
    const down = f();
    v[i] = keep;
    fd[i] = (up - down) / (2 * h);
  }
  return fd;
}

// Norm-wise relative error. The losses are sums of products, so central differences have no
// truncation error beyond rounding: about 1e-16 |loss| / h = 1e-10 here, far below 1e-6.
function expectGradient(label: string, g: ArrayLike<number>, fd: ArrayLike<number>): void {
  let num = 0;
  let den = 0;
  for (let i = 0; i < g.length; i++) {
    num += (g[i] - fd[i]) ** 2;
    den += Math.max(g[i] ** 2, fd[i] ** 2);
  }
  const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
  expect(Number.isFinite(rel), `${label}: non-finite error`).toBe(true);
  expect(rel, `${label}: analytic ${Array.from(g).slice(0, 3)} vs fd ${Array.from(fd).slice(0, 3)}`).toBeLessThan(1e-6);
  expect(Math.sqrt(den), `${label}: gradient is all zero, the check would be empty`).toBeGreaterThan(1e-8);
}

describe.each(CASES)('conv2d reference gradients vs central differences: $kind s=$g.stride p=$g.padding op=$g.outputPadding', ({ kind, g }) => {
  const ref = LAYERS[kind];
  const n = sizes(kind, g);
  const x = seededUniform(n.x, 1, -1, 1);
  const w = seededUniform(n.w, 2, -1, 1);
  const bias = seededUniform(g.cout, 3, -1, 1);
  // L = sum_n dy[n] y[n], so dL/dy = dy.
  const dy = seededUniform(n.y, 4, -1, 1);
  const loss = (input: ArrayLike<number>, relu: boolean) => {
    const y = new Float64Array(n.y);
    ref.forward(y, input, w, bias, g, reluIf(relu));
    let s = 0;
    for (let i = 0; i < n.y; i++) s += dy[i] * y[i];
    return s;
  };

  it('weight and bias gradients', () => {
    const dw = new Float64Array(n.w);
    const db = new Float64Array(g.cout);
    ref.backwardWeight(dw, db, dy, x, g);
    expectGradient(`${kind} dw`, dw, centralDifferences(w, () => loss(x, false)));
    expectGradient(`${kind} db`, db, centralDifferences(bias, () => loss(x, false)));
  });

  it('input gradient, without a mask', () => {
    const dx = new Float64Array(n.x);
    ref.backwardInput(dx, dy, w, null, g);
    const xv = Float64Array.from(x);
    expectGradient(`${kind} dx`, dx, centralDifferences(xv, () => loss(xv, false)));
  });

  it('input gradient through the previous ReLU (mask) and through this layer\'s ReLU', () => {
    // h0 is the previous layer's pre-activation, kept at least 0.1 away from the kink.
    const h0 = seededUniform(n.x, 5, -1, 1).map((v) => v + (v < 0 ? -0.1 : 0.1));
    const relu0 = () => h0.map((v) => Math.max(0, v));
    // This layer's ReLU passes dy where its output is positive.
    const y = new Float64Array(n.y);
    ref.forward(y, relu0(), w, bias, g, RELU);
    const dyMasked = dy.map((v, i) => (y[i] > 0 ? v : 0));
    const dh = new Float64Array(n.x);
    ref.backwardInput(dh, dyMasked, w, { y: relu0(), act: RELU }, g);
    expectGradient(`${kind} dh`, dh, centralDifferences(h0, () => loss(relu0(), true)));
    // Both masks really cut something.
    expect(dh.some((v, i) => h0[i] < 0 && v === 0)).toBe(true);
    expect(y.some((v) => v === 0)).toBe(true);
  });
});
