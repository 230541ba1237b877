/**
 * Kernel benchmarks: every kernel of a training step on the reference model's shapes, built
 * with the runtime's own wrappers (src/kernels/*), validated against the float64 CPU reference
 * (src/reference/vae.ts) on those shapes, then timed (see timing.ts).
 *
 * GEMMs report GFLOP/s (2 M N K per dispatch, padded sizes as dispatched); the elementwise and
 * reduction kernels are memory-bound and report GB/s over the logical bytes they must read and
 * write once (padding and caches not counted).
 */
import type { VaeConfig } from '../../src/config.js';
import { resolveAdam } from '../../src/config.js';
import { GpuResources, type BufferRange, type Dispatch } from '../../src/gpu/resources.js';
import { LinearKernels, type LinearVariant } from '../../src/kernels/linear.js';
import { ReparameterizeKernels } from '../../src/kernels/reparameterize.js';
import { LossKernels, HISTORY_RECORD_BYTES } from '../../src/kernels/loss.js';
import { adamDispatch } from '../../src/kernels/adam.js';
import { encodeStepUniform } from '../../src/kernels/step_uniforms.js';
import { headIndex, layerSpecs, parameterLayout } from '../../src/model/describe.js';
import { pad4 } from '../../src/gpu/pad.js';
import { philoxNormal } from '../../src/runtime/philox.js';
import {
  adamUpdate, bceKl, linearBackwardInput, linearBackwardWeight, linearForward, reparameterizeBackward, reparameterizeForward,
} from '../../src/reference/vae.js';
import { padded, readBack, scoped, seeded, unpadded, validate, type Validation } from './check.js';
import { DispatchTimer, type TimingBudget } from './timing.js';
import type { KernelRecord } from './report.js';

const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

function submit(device: GPUDevice, ds: Dispatch[]): void {
  const enc = device.createCommandEncoder({ label: 'bench.validate' });
  const pass = enc.beginComputePass({ label: 'bench.validate' });
  for (const d of ds) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
  }
  pass.end();
  device.queue.submit([enc.finish()]);
}

// GEMM tolerance: a K-term f32 dot product of values in [-1, 1] is off by at most about K u K
// in the worst case and by far less with random signs; 4 K u (u = 2^-24; 1.9e-4 at K = 784)
// plus 1e-6 relative passes every correct kernel and no wrong index, whose errors are O(1).
const gemmTol = (K: number) => ({ atol: 4 * K * 2 ** -24, rtol: 1e-6 });

/** One GEMM entry point on one layer's shape: its inputs, reference output and dispatch maker. */
interface GemmCase {
  kernel: 'linear.forward' | 'linear.backward_input' | 'linear.backward_weight';
  layer: string;
  M: number;
  N: number;
  K: number;
  /** Builds the dispatch on `res` and returns it with the buffers to compare after one run. */
  make(k: LinearKernels, res: GpuResources): Promise<{ dispatch: Dispatch; outputs: { label: string; buffer: GPUBuffer; rows: number; cols: number; want: Float64Array }[] }>;
}

function upload(res: GpuResources, label: string, data: Float32Array<ArrayBuffer>): BufferRange {
  const b = res.storage(label, data.byteLength);
  res.device.queue.writeBuffer(b, 0, data);
  return whole(b);
}

/** The GEMM cases of one training step of `cfg`, with float64 references computed once. */
export function gemmCases(cfg: VaeConfig): GemmCase[] {
  const layers = layerSpecs(cfg);
  const h = headIndex(cfg);
  const B = cfg.batch;
  const cases: GemmCase[] = [];
  layers.forEach((l, i) => {
    const [I, O] = [l.inSize, l.outSize];
    const x = seeded(B * I, 10 * i + 1, -1, 1);
    const w = seeded(O * I, 10 * i + 2, -1, 1);
    const bias = seeded(O, 10 * i + 3, -1, 1);
    const dy = seeded(B * O, 10 * i + 4, -1, 1);
    // A ReLU output as the mask: about half zeros.
    const mask = seeded(B * I, 10 * i + 5, -1, 1).map((v) => Math.max(0, v));
    const lazy = <T>(f: () => T) => {
      let v: T | undefined;
      return () => (v ??= f());
    };
    const yWant = lazy(() => {
      const y = new Float64Array(B * O);
      linearForward(y, x, w, bias, B, I, O, l.activation);
      return y;
    });
    cases.push({
      kernel: 'linear.forward', layer: l.name, M: pad4(B), N: pad4(O), K: pad4(I),
      async make(k, res) {
        const y = res.storage('y', pad4(B) * pad4(O) * 4);
        const dispatch = await k.forward(`${l.name}.forward`, {
          x: upload(res, 'x', padded(x, B, I)), w: upload(res, 'w', padded(w, O, I)), b: upload(res, 'b', padded(bias, 1, O, 1)),
          y: whole(y), rows: B, inSize: I, outSize: O, act: l.activation,
        });
        return { dispatch, outputs: [{ label: 'y', buffer: y, rows: B, cols: O, want: yWant() }] };
      },
    });
    if (i > 0) {
      // As in the step: the layer after the head takes z (no ReLU before it); others are masked.
      const masked = i !== h + 1 && layers[i - 1].activation.kind !== 'none';
      const maskAct = layers[i - 1].activation;
      const dxWant = lazy(() => {
        const dx = new Float64Array(B * I);
        linearBackwardInput(dx, dy, w, masked ? { y: mask, act: maskAct } : null, B, I, O);
        return dx;
      });
      cases.push({
        kernel: 'linear.backward_input', layer: l.name, M: pad4(B), N: pad4(I), K: pad4(O),
        async make(k, res) {
          const dx = res.storage('dx', pad4(B) * pad4(I) * 4);
          const dispatch = await k.backwardInput(`${l.name}.backward_input`, {
            dy: upload(res, 'dy', padded(dy, B, O)), w: upload(res, 'w', padded(w, O, I)),
            mask: masked ? { y: upload(res, 'mask', padded(mask, B, I)), act: maskAct } : null, dx: whole(dx), rows: B, inSize: I, outSize: O,
          });
          return { dispatch, outputs: [{ label: 'dx', buffer: dx, rows: B, cols: I, want: dxWant() }] };
        },
      });
    }
    const dwWant = lazy(() => {
      const dw = new Float64Array(O * I);
      const db = new Float64Array(O);
      linearBackwardWeight(dw, db, dy, x, B, I, O);
      return { dw, db };
    });
    cases.push({
      kernel: 'linear.backward_weight', layer: l.name, M: pad4(O), N: pad4(I), K: pad4(B),
      async make(k, res) {
        const dw = res.storage('dw', pad4(O) * pad4(I) * 4);
        const db = res.storage('db', pad4(O) * 4);
        const dispatch = await k.backwardWeight(`${l.name}.backward_weight`, {
          dy: upload(res, 'dy', padded(dy, B, O)), x: upload(res, 'x', padded(x, B, I)), dw: whole(dw), db: whole(db),
          rows: B, inSize: I, outSize: O,
        });
        return {
          dispatch,
          outputs: [
            { label: 'dw', buffer: dw, rows: O, cols: I, want: dwWant().dw },
            { label: 'db', buffer: db, rows: 1, cols: O, want: dwWant().db },
          ],
        };
      },
    });
  });
  return cases;
}

/** Validates then times every GEMM case with one variant. */
export async function benchGemms(
  device: GPUDevice, cases: GemmCase[], variant: LinearVariant, picked: boolean, timer: DispatchTimer, budget: TimingBudget,
  log: (s: string) => void,
): Promise<KernelRecord[]> {
  const out: KernelRecord[] = [];
  // One wrapper for all shapes, so each pipeline is compiled once; buffers go at the end.
  const res = new GpuResources(device);
  const kernels = new LinearKernels(res, variant);
  try {
    for (const c of cases) {
      const label = `${c.kernel}[${variant}] ${c.layer} M=${c.M} N=${c.N} K=${c.K}`;
      const { dispatch, outputs } = await scoped(device, label, () => c.make(kernels, res));
      submit(device, [dispatch]);
      let validation: Validation | null = null;
      for (const o of outputs) {
        const got = unpadded(await readBack(device, o.buffer), o.rows, o.cols);
        const t = gemmTol(c.K);
        const v = validate(`${label} ${o.label}`, got, o.want, t.atol, t.rtol);
        if (!validation || v.max_abs_err > validation.max_abs_err) validation = v;
      }
      const timing = await scoped(device, label, () => timer.time([dispatch], budget));
      const flops = 2 * c.M * c.N * c.K;
      const rec: KernelRecord = {
        kernel: c.kernel, layer: c.layer, variant, picked, shape: `${c.M}x${c.N}x${c.K}`,
        ms: timing.ms, gflops: flops / (timing.ms * 1e6), timing: timing.method, reps: timing.reps, samples: timing.samples,
        max_abs_err: validation!.max_abs_err,
      };
      if (timing.quantized !== undefined) rec.quantized = timing.quantized;
      out.push(rec);
      log(`  ${c.kernel.padEnd(23)} ${c.layer.padEnd(5)} ${variant.padEnd(8)} ${rec.shape.padEnd(13)} ${rec.ms.toFixed(3).padStart(9)} ms ${rec.gflops!.toFixed(2).padStart(8)} GFLOP/s  (ok, max err ${rec.max_abs_err.toExponential(1)})`);
    }
  } finally {
    res.destroy();
  }
  return out;
}

/**
 * The memory-bound kernels of a step (reparameterize, bce_kl, adam) on the model's shapes,
 * each validated against the reference and then timed.
 */
export async function benchMemoryBound(
  device: GPUDevice, cfg: VaeConfig, timer: DispatchTimer, budget: TimingBudget, log: (s: string) => void,
): Promise<KernelRecord[]> {
  const B = cfg.batch;
  const L = cfg.latent;
  const P = cfg.inputSize;
  const seed = 1;
  const t = 1;
  const adam = resolveAdam({});
  const res = new GpuResources(device);
  const out: KernelRecord[] = [];
  const record = async (kernel: string, dispatch: Dispatch, bytes: number, v: Validation, shape: string) => {
    const timing = await scoped(device, kernel, () => timer.time([dispatch], budget));
    const rec: KernelRecord = {
      kernel, layer: '-', variant: '-', picked: true, shape, ms: timing.ms, gbps: bytes / (timing.ms * 1e6),
      timing: timing.method, reps: timing.reps, samples: timing.samples, max_abs_err: v.max_abs_err,
    };
    if (timing.quantized !== undefined) rec.quantized = timing.quantized;
    out.push(rec);
    log(`  ${kernel.padEnd(29)} ${'-'.padEnd(8)} ${shape.padEnd(13)} ${rec.ms.toFixed(3).padStart(9)} ms ${rec.gbps!.toFixed(2).padStart(8)} GB/s     (ok, max err ${rec.max_abs_err.toExponential(1)})`);
  };
  try {
    const stepUniform = res.uniform('bench.step', encodeStepUniform({ t, seed, count: B, historySlot: 0 }, adam));
    // Head rows [mu | logvar] with mu in [-2, 2] and logvar in [-4, 4].
    const mu = seeded(B * L, 101, -2, 2);
    const lv = seeded(B * L, 102, -4, 4);
    const head = new Float64Array(B * 2 * L);
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < L; j++) {
        head[r * 2 * L + j] = mu[r * L + j];
        head[r * 2 * L + L + j] = lv[r * L + j];
      }
    }
    const zBytes = pad4(B) * pad4(L) * 4;
    const headBuf = upload(res, 'head', padded(head, B, 2 * L));
    const rep = {
      step: stepUniform, head: headBuf, eps: whole(res.storage('eps', zBytes)), z: whole(res.storage('z', zBytes)),
      dz: whole(res.storage('dz', zBytes)), dhead: whole(res.storage('dhead', pad4(B) * pad4(2 * L) * 4)), rows: B, latent: L,
    };
    const reparam = new ReparameterizeKernels(res);

    // forward_sample: eps against philoxNormal, z against the reference on the GPU's eps. WGSL's
    // cos/sin are good to 2^-11 absolute, so eps may be off by about 3e-3 for |eps| near 5; a
    // wrong element or step index gives O(1) differences.
    {
      const d = await scoped(device, 'reparameterize.forward_sample', () => reparam.forward('reparameterize.forward_sample', rep, 'gpu'));
      submit(device, [d]);
      const eps = unpadded(await readBack(device, rep.eps.buffer), B, L);
      const epsWant = eps.map((_, i) => philoxNormal(seed, t, i));
      const v1 = validate('reparameterize.forward_sample eps', eps, epsWant, 5e-3, 1e-3);
      const z = unpadded(await readBack(device, rep.z.buffer), B, L);
      const zWant = new Float64Array(B * L);
      reparameterizeForward(zWant, head, eps, B, L);
      validate('reparameterize.forward_sample z', z, zWant, 1e-5, 1e-5);
      // Reads logvar (B L; mu is added too: B L), writes eps and z.
      await record('reparameterize.forward_sample', d, 4 * 4 * B * L, v1, `${B}x${L}`);
    }
    // backward: dhead += (dz, dz eps 0.5 exp(0.5 logvar)), from a seeded dhead.
    {
      const eps = seeded(B * L, 103, -2, 2);
      const dz = seeded(B * L, 104, -1, 1);
      const dhead0 = seeded(B * 2 * L, 105, -1, 1);
      device.queue.writeBuffer(rep.eps.buffer, 0, padded(eps, B, L));
      device.queue.writeBuffer(rep.dz.buffer, 0, padded(dz, B, L));
      device.queue.writeBuffer(rep.dhead.buffer, 0, padded(dhead0, B, 2 * L));
      const d = await scoped(device, 'reparameterize.backward', () => reparam.backward('reparameterize.backward', rep));
      submit(device, [d]);
      const got = unpadded(await readBack(device, rep.dhead.buffer), B, 2 * L);
      const want = Float64Array.from(dhead0);
      reparameterizeBackward(want, dz, head, eps, B, L);
      const v = validate('reparameterize.backward dhead', got, want, 1e-5, 1e-5);
      // Reads dz, eps, logvar; reads and writes dhead (2 B L each way). Timing repeats the
      // accumulation, which changes values but not the work.
      await record('reparameterize.backward', d, 4 * (3 * B * L + 4 * B * L), v, `${B}x${L}`);
    }
    // bce_kl: per_row (loss parts and gradients) then total (batch sums into the history ring).
    {
      const logits = seeded(B * P, 106, -4, 4);
      const target = seeded(B * P, 107, 0, 1);
      const loss = new LossKernels(res, cfg);
      const ring = res.storage('history', 4 * HISTORY_RECORD_BYTES);
      const args = {
        step: stepUniform, logits: upload(res, 'logits', padded(logits, B, P)), target: upload(res, 'target', padded(target, B, P)),
        head: headBuf, dlogits: whole(res.storage('dlogits', pad4(B) * pad4(P) * 4)), dhead: whole(res.storage('dhead2', pad4(B) * pad4(2 * L) * 4)),
        perImage: whole(res.storage('per_image', pad4(B) * 8)), history: whole(ring), rows: B, pixels: P, latent: L,
      };
      const [perRow, total] = await scoped(device, 'bce_kl', () => loss.dispatches('bce_kl', args));
      submit(device, [perRow, total]);
      const dl = new Float64Array(B * P);
      const dh = new Float64Array(B * 2 * L);
      const want = bceKl(dl, dh, logits, target, head, B, P, L, B);
      const v = validate('bce_kl.per_row dlogits', unpadded(await readBack(device, args.dlogits.buffer), B, P), dl, 1e-6, 1e-5);
      validate('bce_kl.per_row dhead', unpadded(await readBack(device, args.dhead.buffer), B, 2 * L), dh, 1e-6, 1e-5);
      const per = await readBack(device, args.perImage.buffer);
      // Per-image sums of P (or L) terms of size about 1: f32 summation error grows with the count.
      validate('bce_kl.per_row recon', Array.from({ length: B }, (_, r) => per[2 * r]), want.recon, 1e-3, 1e-5);
      validate('bce_kl.per_row kl', Array.from({ length: B }, (_, r) => per[2 * r + 1]), want.kl, 1e-4, 1e-5);
      const hist = await readBack(device, ring);
      validate('bce_kl.total history', [hist[0], hist[1]], [want.reconSum, want.klSum], 1e-2, 1e-5);
      // per_row reads logits, targets (B P each) and head (2 B L); writes dlogits, dhead, per_image.
      await record('bce_kl.per_row', perRow, 4 * (3 * B * P + 4 * B * L + 2 * B), v, `${B}x${P}+${B}x${2 * L}`);
      await record('bce_kl.total', total, 4 * 2 * B + HISTORY_RECORD_BYTES, v, `${B}`);
    }
    // adam: one update of an arena the size of the model's, from seeded parameters and gradients.
    {
      const layout = parameterLayout(layerSpecs(cfg), device.limits.minStorageBufferOffsetAlignment);
      const n = layout.size;
      const p0 = seeded(n, 108, -0.1, 0.1);
      const g = seeded(n, 109, -1, 1);
      const mk = (label: string, data: Float32Array<ArrayBuffer>) => {
        const b = res.storage(label, n * 4);
        device.queue.writeBuffer(b, 0, data);
        return b;
      };
      const params = mk('params', Float32Array.from(p0));
      const grads = mk('grads', Float32Array.from(g));
      const m = mk('m', new Float32Array(n));
      const vv = mk('v', new Float32Array(n));
      const d = await scoped(device, 'adam.update', () => adamDispatch(res, 'adam.update', { step: stepUniform, params, grads, m, v: vv, floats: n }, adam));
      submit(device, [d]);
      const p = Float64Array.from(p0);
      const s = { m: new Float64Array(n), v: new Float64Array(n) };
      adamUpdate(p, g, s, adam, t);
      const v = validate('adam.update params', await readBack(device, params), p, 1e-6, 1e-5);
      validate('adam.update m', await readBack(device, m), s.m, 1e-9, 1e-5);
      validate('adam.update v', await readBack(device, vv), s.v, 1e-12, 1e-5);
      // Reads grads, params, m, v; writes params, m, v.
      await record('adam.update', d, 7 * 4 * n, v, `${n}`);
    }
  } finally {
    res.destroy();
  }
  return out;
}
