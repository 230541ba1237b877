// Convolution kernels (both variants): the six products of Conv2d and ConvTranspose2d against
// the float64 reference, which computes each layer from its own definition, so these tests also
// check the duality the kernels rely on (one layer's forward is the other's input gradient).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convOutputSize, type Conv2dGeometry, type ConvLayerKind } from '../../src/layers/conv2d_geometry.js';
import { GpuResources, type BufferRange, type Dispatch } from '../../src/gpu/resources.js';
import { Conv2dKernels, type ConvVariant } from '../../src/kernels/conv2d.js';
import * as ref from '../../src/reference/conv2d.js';
import { expectClose, padMatrix, unpadMatrix } from '../util/compare.js';
import { seededUniform } from '../util/data.js';
import { readFloats, scoped, submitDispatches, testGpu } from '../util/gpu.js';
import { NO_ACTIVATION, RELU, reluIf } from '../../src/layers/activation.js';

const pad4 = (n: number) => (n + 3) & ~3;

// Error of a K-term f32 sum of products of values in [-1, 1]: each partial sum rounds with unit
// u = 2^-24, so the error is at most about K u sum|terms| <= K^2 u, and with random signs far
// less; 4 K u plus 1e-6 relative passes every correct kernel (as in linear.test.ts), while a
// wrong index or tap gives O(1) differences. K is the reduction length of the product: cin k k
// for a convolution's output, cout k k for its input gradient, rows x output pixels for the
// weight gradient (and rows x pixels of the summed side for the bias gradient).
const tol = (K: number) => ({ atol: 4 * K * 2 ** -24, rtol: 1e-6 });

const REF = {
  conv2d: { forward: ref.conv2dForward, backwardInput: ref.conv2dBackwardInput, backwardWeight: ref.conv2dBackwardWeight },
  conv_transpose2d: { forward: ref.convTranspose2dForward, backwardInput: ref.convTranspose2dBackwardInput, backwardWeight: ref.convTranspose2dBackwardWeight },
};

/** Sizes of a layer's tensors: per-image widths and the weight as stored (rows x cols). */
function shapes(kind: ConvLayerKind, g: Conv2dGeometry) {
  const { ho, wo } = convOutputSize(kind, g);
  const kk = g.k * g.k;
  return {
    ho, wo, xCols: g.cin * g.h * g.w, yCols: g.cout * ho * wo,
    wRows: kind === 'conv2d' ? g.cout : g.cin, wCols: (kind === 'conv2d' ? g.cin : g.cout) * kk,
  };
}

/** Fills `n` floats with this value, so that anything a kernel should write but does not shows. */
const SENTINEL = 1234.5;

/**
 * Inputs in one arena buffer at aligned offsets; each output in its own buffer at an aligned
 * offset, with sentinels before, inside and after its range.
 */
class Buffers {
  private readonly align: number;
  private readonly inputs: { data: Float32Array; offset: number }[] = [];
  private size = 0;
  private arena?: GPUBuffer;

  constructor(private readonly res: GpuResources) {
    this.align = res.device.limits.minStorageBufferOffsetAlignment;
  }

  input(data: Float32Array): () => BufferRange {
    const offset = this.size;
    this.size += Math.ceil(data.byteLength / this.align) * this.align;
    this.inputs.push({ data, offset });
    return () => ({ buffer: this.upload(), offset, size: data.byteLength });
  }

  private upload(): GPUBuffer {
    if (!this.arena) {
      this.arena = this.res.storage('inputs', this.size);
      for (const { data, offset } of this.inputs) this.res.device.queue.writeBuffer(this.arena, offset, data as Float32Array<ArrayBuffer>);
    }
    return this.arena;
  }

  output(label: string, floats: number): BufferRange {
    const size = floats * 4;
    const buffer = this.res.storage(label, this.align + size + this.align);
    this.res.device.queue.writeBuffer(buffer, 0, new Float32Array(buffer.size / 4).fill(SENTINEL));
    return { buffer, offset: this.align, size };
  }
}

/** The stored range of an output, and the sentinels around it checked untouched. */
async function readOutput(device: GPUDevice, label: string, r: BufferRange): Promise<Float32Array> {
  const all = await readFloats(device, r.buffer);
  const first = r.offset! / 4;
  const end = first + r.size / 4;
  const outside = [...all.subarray(0, first), ...all.subarray(end)];
  expect(outside.every((v) => v === SENTINEL), `${label}: a write landed outside the output's range`).toBe(true);
  return all.slice(first, end);
}

/** Every stored value outside the logical rows x cols block (padding rows and columns): all must be 0. */
function expectZeroPadding(label: string, stored: Float32Array, rows: number, cols: number, storedRows = pad4(rows)): void {
  const ld = pad4(cols);
  const bad: string[] = [];
  for (let r = 0; r < storedRows; r++) {
    for (let c = 0; c < ld; c++) {
      const v = stored[r * ld + c];
      if ((r >= rows || c >= cols) && v !== 0 && bad.length < 4) bad.push(`[${r},${c}] = ${v}`);
    }
  }
  expect(bad, `${label}: padding not zero: ${bad.join(', ')}`).toEqual([]);
}

interface Inputs {
  x: Float64Array;
  w: Float64Array;
  bias: Float64Array;
  dy: Float64Array;
  mask: Float64Array;
}

function inputs(kind: ConvLayerKind, g: Conv2dGeometry, seed: number): Inputs {
  const s = shapes(kind, g);
  const u = (n: number, k: number) => seededUniform(n, seed * 10 + k, -1, 1).map(Math.fround);
  return {
    x: u(g.rows * s.xCols, 1), w: u(s.wRows * s.wCols, 2), bias: u(g.cout, 3), dy: u(g.rows * s.yCols, 4),
    // A ReLU output: about half zeros, so the mask matters.
    mask: u(g.rows * s.xCols, 5).map((v) => Math.max(0, v)),
  };
}

type Product = 'forward' | 'backwardInput' | 'backwardWeight';

/** One product to run: the layer, its inputs, and the epilogue or live-row options. */
interface Run {
  product: Product;
  relu?: boolean;
  masked?: boolean;
  /** Weight gradient of a ragged batch: dy is zero from this row on, as the loss makes it. */
  liveRows?: number;
}

/** A dispatch made ahead (pipelines compile concurrently) and how to check what it wrote. */
interface Prepared {
  dispatch: Dispatch;
  outputs: { label: string; range: BufferRange; want: Float64Array; rows: number; cols: number; K: number }[];
}

/** Uploads a product's inputs, makes its output ranges and dispatch, and computes its reference. */
async function prepare(k: Conv2dKernels, res: GpuResources, kind: ConvLayerKind, g: Conv2dGeometry, inp: Inputs, run: Run): Promise<Prepared> {
  const s = shapes(kind, g);
  const kk = g.k * g.k;
  const bufs = new Buffers(res);
  const x = bufs.input(padMatrix(inp.x, g.rows, s.xCols));
  const w = bufs.input(padMatrix(inp.w, s.wRows, s.wCols));
  const b = bufs.input(padMatrix(inp.bias, 1, g.cout, 1));
  const dy = bufs.input(padMatrix(inp.dy, g.rows, s.yCols));
  const mask = bufs.input(padMatrix(inp.mask, g.rows, s.xCols));
  const R = REF[kind];
  const conv = kind === 'conv2d';
  const name = `${kind}.${run.product}[${k.variant}] ${g.rows}x${g.cin}x${g.h}x${g.w} -> ${g.cout} k${g.k} s${g.stride} p${g.padding} op${g.outputPadding ?? 0}`;
  if (run.product === 'forward') {
    const relu = run.relu ?? false;
    const y = bufs.output('y', pad4(g.rows) * pad4(s.yCols));
    const a = { x: x(), w: w(), b: b(), y, act: reluIf(relu) };
    const dispatch = await (conv ? k.conv2dForward(name, g, a) : k.convTranspose2dForward(name, g, a));
    const want = new Float64Array(g.rows * s.yCols);
    R.forward(want, inp.x, inp.w, inp.bias, g, reluIf(relu));
    // An output sums cin k k terms at most (the transposed layer's sparse taps: fewer).
    return { dispatch, outputs: [{ label: `${name} relu=${relu} y`, range: y, want, rows: g.rows, cols: s.yCols, K: g.cin * kk }] };
  }
  if (run.product === 'backwardInput') {
    const masked = run.masked ?? false;
    const dx = bufs.output('dx', pad4(g.rows) * pad4(s.xCols));
    const a = { dy: dy(), w: w(), mask: masked ? { y: mask(), act: RELU } : null, dx };
    const dispatch = await (conv ? k.conv2dBackwardInput(name, g, a) : k.convTranspose2dBackwardInput(name, g, a));
    const want = new Float64Array(g.rows * s.xCols);
    R.backwardInput(want, inp.dy, inp.w, masked ? { y: inp.mask, act: RELU } : null, g);
    return { dispatch, outputs: [{ label: `${name} mask=${masked} dx`, range: dx, want, rows: g.rows, cols: s.xCols, K: g.cout * kk }] };
  }
  const live = run.liveRows ?? g.rows;
  const dyLive = Float64Array.from(inp.dy);
  dyLive.fill(0, live * s.yCols);
  const dyRange = bufs.input(padMatrix(dyLive, g.rows, s.yCols));
  const dw = bufs.output('dw', pad4(s.wRows) * pad4(s.wCols));
  const db = bufs.output('db', pad4(g.cout));
  const a = { dy: dyRange(), x: x(), dw, db };
  const dispatch = await (conv ? k.conv2dBackwardWeight(name, g, a) : k.convTranspose2dBackwardWeight(name, g, a));
  const wantW = new Float64Array(s.wRows * s.wCols);
  const wantB = new Float64Array(g.cout);
  // The reference on the live rows only: the dead rows must add nothing.
  R.backwardWeight(wantW, wantB, inp.dy.subarray(0, live * s.yCols), inp.x.subarray(0, live * s.xCols), { ...g, rows: live });
  const pixels = conv ? s.ho * s.wo : g.h * g.w;
  return {
    dispatch,
    outputs: [
      { label: `${name} dw`, range: dw, want: wantW, rows: s.wRows, cols: s.wCols, K: g.rows * pixels },
      { label: `${name} db`, range: db, want: wantB, rows: 1, cols: g.cout, K: g.rows * s.ho * s.wo },
    ],
  };
}

/** Submits a prepared product and checks values, padding and the output ranges. */
async function runAndCheck(device: GPUDevice, p: Prepared): Promise<void> {
  await scoped(device, p.dispatch.label, async () => submitDispatches(device, [p.dispatch]));
  for (const o of p.outputs) {
    const got = await readOutput(device, o.label, o.range);
    const t = tol(o.K);
    expectClose(o.label, unpadMatrix(got, o.rows, o.cols), o.want, t.atol, t.rtol);
    expectZeroPadding(o.label, got, o.rows, o.cols, o.rows === 1 ? 1 : pad4(o.rows));
  }
}

const BOTH: Run[] = [
  { product: 'forward', relu: true },
  { product: 'forward', relu: false },
  { product: 'backwardInput', masked: true },
  { product: 'backwardInput', masked: false },
  { product: 'backwardWeight' },
];

// Odd channels (3 -> 5), odd and unequal height and width (7x9), strides 1 and 2, paddings 0 and
// 1, output padding 1, batches of 1, 3 (one padding row) and 6 (two padding rows; in the weight
// gradient only 5 live rows: a ragged last batch whose dead rows have zero dy).
const CASES: { kind: ConvLayerKind; g: Conv2dGeometry; liveRows?: number }[] = [
  { kind: 'conv2d', g: { rows: 3, cin: 3, h: 7, w: 9, cout: 5, k: 3, stride: 1, padding: 1 } },
  { kind: 'conv2d', g: { rows: 1, cin: 3, h: 7, w: 9, cout: 5, k: 3, stride: 2, padding: 0 } },
  { kind: 'conv2d', g: { rows: 6, cin: 3, h: 7, w: 9, cout: 5, k: 3, stride: 2, padding: 1 }, liveRows: 5 },
  { kind: 'conv_transpose2d', g: { rows: 3, cin: 3, h: 7, w: 9, cout: 5, k: 3, stride: 2, padding: 1, outputPadding: 1 } },
  { kind: 'conv_transpose2d', g: { rows: 1, cin: 3, h: 7, w: 9, cout: 5, k: 3, stride: 1, padding: 0 } },
  { kind: 'conv_transpose2d', g: { rows: 6, cin: 3, h: 7, w: 9, cout: 5, k: 3, stride: 2, padding: 0, outputPadding: 1 }, liveRows: 5 },
];

// The keras-io conv VAE's layers (REFERENCE.md) at batch 2.
const KERAS: { name: string; kind: ConvLayerKind; g: Conv2dGeometry; relu: boolean; masked: boolean }[] = [
  { name: 'enc1', kind: 'conv2d', g: { rows: 2, cin: 1, h: 28, w: 28, cout: 32, k: 3, stride: 2, padding: 1 }, relu: true, masked: false },
  { name: 'enc2', kind: 'conv2d', g: { rows: 2, cin: 32, h: 14, w: 14, cout: 64, k: 3, stride: 2, padding: 1 }, relu: true, masked: true },
  { name: 'dec1', kind: 'conv_transpose2d', g: { rows: 2, cin: 64, h: 7, w: 7, cout: 64, k: 3, stride: 2, padding: 1, outputPadding: 1 }, relu: true, masked: true },
  { name: 'dec2', kind: 'conv_transpose2d', g: { rows: 2, cin: 64, h: 14, w: 14, cout: 32, k: 3, stride: 2, padding: 1, outputPadding: 1 }, relu: true, masked: true },
  { name: 'dec3', kind: 'conv_transpose2d', g: { rows: 2, cin: 32, h: 28, w: 28, cout: 1, k: 3, stride: 1, padding: 1 }, relu: false, masked: true },
];

for (const variant of ['register', 'tiled'] as ConvVariant[]) {
  describe(`conv2d kernels [${variant}]`, () => {
    // Every dispatch of this variant is made up front, concurrently, so that the pipelines
    // compile in parallel and once each; the tests then run and check them one by one.
    let res: GpuResources;
    let k: Conv2dKernels;
    const prepared = new Map<string, Promise<Prepared>>();
    const plan: { key: string; kind: ConvLayerKind; g: Conv2dGeometry; seed: number; run: Run }[] = [];
    CASES.forEach(({ kind, g, liveRows }, i) => {
      for (const run of BOTH) plan.push({ key: `case${i}.${run.product}.${run.relu ?? run.masked ?? ''}`, kind, g, seed: i + 1, run: { ...run, liveRows } });
    });
    for (const l of KERAS) {
      for (const run of [{ product: 'forward', relu: l.relu }, { product: 'backwardInput', masked: l.masked }, { product: 'backwardWeight' }] as Run[]) {
        plan.push({ key: `${l.name}.${run.product}`, kind: l.kind, g: l.g, seed: 40, run });
      }
    }
    beforeAll(async () => {
      const { device } = await testGpu();
      res = new GpuResources(device);
      k = new Conv2dKernels(res, variant);
      await scoped(device, `conv2d[${variant}] setup`, async () => {
        for (const p of plan) prepared.set(p.key, prepare(k, res, p.kind, p.g, inputs(p.kind, p.g, p.seed), p.run));
        await Promise.all(prepared.values());
      });
    });
    afterAll(() => res?.destroy());

    const runKeys = async (keys: string[]) => {
      const { device } = await testGpu();
      for (const key of keys) await runAndCheck(device, await prepared.get(key)!);
    };

    CASES.forEach(({ kind, g }, i) => {
      const shape = `${g.rows}x${g.cin}x${g.h}x${g.w} -> ${g.cout}, s${g.stride} p${g.padding} op${g.outputPadding ?? 0}`;
      it(`${kind} ${shape}: forward (ReLU on, off), input gradient (mask on, off), weight gradient`, async () => {
        await runKeys(plan.filter((p) => p.key.startsWith(`case${i}.`)).map((p) => p.key));
      });
    });

    for (const l of KERAS) {
      it(`keras-io ${l.name} (${l.kind} ${l.g.cin} -> ${l.g.cout}, ${l.g.h}x${l.g.w}) at batch 2`, async () => {
        await runKeys(plan.filter((p) => p.key.startsWith(`${l.name}.`)).map((p) => p.key));
      });
    }

    it('a ragged batch: the live rows do not depend on what the rows past the live count hold', async () => {
      const { device } = await testGpu();
      const kind = 'conv_transpose2d';
      const g = CASES[5].g;
      const a = inputs(kind, g, 21);
      const b = { ...a, x: Float64Array.from(a.x) };
      const per = g.cin * g.h * g.w;
      const live = 4;
      b.x.set(seededUniform((g.rows - live) * per, 99, -5, 5).map(Math.fround), live * per);
      const [pa, pb] = await scoped(device, 'ragged', () => Promise.all([a, b].map((inp) => prepare(k, res, kind, g, inp, { product: 'forward', relu: true }))));
      // Both equal the reference row by row, the dead rows included ...
      await runAndCheck(device, pa);
      await runAndCheck(device, pb);
      // ... so the live rows agree exactly, and the dead rows differ.
      const ya = await readOutput(device, 'a', pa.outputs[0].range);
      const yb = await readOutput(device, 'b', pb.outputs[0].range);
      const n = live * pad4(shapes(kind, g).yCols);
      expect(Array.from(yb.subarray(0, n))).toEqual(Array.from(ya.subarray(0, n)));
      expect(yb.subarray(n).some((v, i) => v !== ya[n + i])).toBe(true);
    });
  });
}

describe('conv2d kernels: argument errors', () => {
  it('geometry and buffer ranges are checked with the numbers in the message', async () => {
    const { device } = await testGpu();
    const res = new GpuResources(device);
    const k = new Conv2dKernels(res, 'register');
    const r = (size: number): BufferRange => ({ buffer: res.storage('b', size), offset: 0, size });
    const g: Conv2dGeometry = { rows: 2, cin: 1, h: 1, w: 1, cout: 4, k: 3, stride: 1, padding: 0 };
    const args = { x: r(64), w: r(1024), b: r(16), y: r(64), act: NO_ACTIVATION };
    await expect(k.conv2dForward('enc', g, args)).rejects.toThrow('conv2d: kernel 3 with padding 0 does not fit a 1x1 input');
    await expect(k.convTranspose2dForward('dec', { ...g, stride: 2, padding: 1, outputPadding: 2 }, args)).rejects.toThrow(
      'conv_transpose2d: output padding 2 must be smaller than stride 2',
    );
    // 2 rows (stored 4) of 3x5x5 = 75 floats (stored 76): 1216 bytes.
    const g2: Conv2dGeometry = { rows: 2, cin: 3, h: 5, w: 5, cout: 4, k: 3, stride: 1, padding: 1 };
    await expect(k.conv2dForward('enc', g2, { ...args, x: r(1200), y: r(4 * 4 * 100 * 4) })).rejects.toThrow('enc: x range holds 1200 bytes, needs 1216');
    res.destroy();
  });
});
