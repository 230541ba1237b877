/**
 * Wrapper of shaders/inner_product_loss.wgsl (register variant, with the `finish` and `total`
 * entries both variants use), shaders/inner_product_loss.subgroups.wgsl (the register variant
 * sharing z_j through the subgroup, used for latent sizes up to 16 where the device has
 * `subgroups`) and shaders/inner_product_loss.tiled.wgsl (workgroup tiles, for GPUs, each
 * unordered pair visited once): the graph VAE's all-pairs decoder loss and dL/dz without an N x N
 * buffer.
 */
import registerSource from '../../shaders/inner_product_loss.wgsl';
import tiledSource from '../../shaders/inner_product_loss.tiled.wgsl';
import subgroupSource from '../../shaders/inner_product_loss.subgroups.wgsl';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import { grid2d, type BufferRange, type Dispatch, type GpuResources } from '../gpu/resources.js';

/** `register`: no workgroup memory, best on SwiftShader; `tiled`: z_j staged in workgroup memory, for GPUs. */
export type InnerProductVariant = 'register' | 'tiled';

/**
 * The largest latent size the kernels hold in registers: 4 MAX_D4, read from the shader (its
 * `rows` entry has one block of code per vec4 of z, MAX_D4 of them).
 */
export const MAX_LATENT = 4 * Number(/const MAX_D4: u32 = (\d+)u;/.exec(registerSource.code)?.[1] ?? NaN);
const DIMS = structOf(registerSource, 'Dims');

const WG = 64;
/**
 * Chunks the tiled variant aims for: 32 make 528 block pairs, one workgroup each (a few per GPU
 * core), and 32 partial gradients per node.
 */
const TILED_TARGET_CHUNKS = 32;
/** The tiled variant's chunk length is a multiple of this: of every tile size it may pick (32 and below). */
const TILED_CHUNK_STEP = 64;

/**
 * How the decoder cuts its N^2 pairs: `chunks` chunks of `chunkLen` nodes. The register variants
 * split the columns of every row (default: one chunk, a whole row per invocation); the tiled
 * variant cuts rows and columns alike into blocks whose pairs on and above the diagonal one
 * workgroup each visits once (default: 32 chunks, lengths a multiple of 64). Partial sums: chunks x
 * pad4(N) x pad4(L) floats when chunks > 1 (src/graph/memory.ts plans them).
 */
export function decoderChunks(n: number, variant: InnerProductVariant, requested?: number): { chunks: number; chunkLen: number } {
  const want = Math.max(1, Math.min(requested ?? (variant === 'register' ? 1 : TILED_TARGET_CHUNKS), n));
  const step = variant === 'tiled' ? TILED_CHUNK_STEP : 1;
  const chunkLen = Math.ceil(Math.ceil(n / want) / step) * step;
  return { chunks: Math.ceil(n / chunkLen), chunkLen };
}

/** The decoder's labels (A_train + I as sorted neighbour lists) on the GPU. */
export interface LabelBuffers {
  n: number;
  nnz: number;
  rowPtr: BufferRange;
  colIdx: BufferRange;
}

const whole = (b: GPUBuffer): BufferRange => ({ buffer: b, offset: 0, size: b.size });

/**
 * Uploads the labels after checking what the kernel relies on: columns sorted and in range in
 * every row, and the pattern symmetric (the kernel computes each pair once per row and doubles
 * it, which is the gradient only when (i, j) and (j, i) carry the same label).
 */
export function uploadLabels(res: GpuResources, label: string, m: { rows: number; rowPtr: Uint32Array; colIdx: Uint32Array }): LabelBuffers {
  const n = m.rows;
  const has = (i: number, j: number) => {
    let [a, b] = [m.rowPtr[i], m.rowPtr[i + 1]];
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (m.colIdx[mid] < j) a = mid + 1;
      else b = mid;
    }
    return a < m.rowPtr[i + 1] && m.colIdx[a] === j;
  };
  for (let i = 0; i < n; i++) {
    for (let p = m.rowPtr[i]; p < m.rowPtr[i + 1]; p++) {
      const j = m.colIdx[p];
      if (j >= n) throw new Error(`${label}: row ${i} names column ${j}, but there are ${n} nodes`);
      if (p > m.rowPtr[i] && j <= m.colIdx[p - 1]) throw new Error(`${label}: row ${i} is not sorted by column at entry ${p - m.rowPtr[i]}`);
      if (!has(j, i)) throw new Error(`${label}: labels are not symmetric: (${i}, ${j}) is set but (${j}, ${i}) is not`);
    }
  }
  const nnz = m.rowPtr[n];
  const put = (what: string, data: Uint32Array) => {
    const b = res.storage(`${label}.${what}`, Math.max(4, data.byteLength));
    if (data.byteLength > 0) res.device.queue.writeBuffer(b, 0, data as Uint32Array<ArrayBuffer>);
    return whole(b);
  };
  return { n, nnz, rowPtr: put('rowPtr', m.rowPtr.subarray(0, n + 1)), colIdx: put('colIdx', m.colIdx.subarray(0, nnz)) };
}

/** Operands of the loss. */
export interface InnerProductLossArgs {
  /** pad4(n) x pad4(latent) floats, rows of z from 0 to n - 1. */
  z: BufferRange;
  labels: LabelBuffers;
  /** n floats from gaussian_logstd (the VGAE's KL sums); null for the GAE. */
  klRows: BufferRange | null;
  /** pad4(n) x pad4(latent) floats: dL/dz is written here. */
  dz: BufferRange;
  /** 16 bytes: (loss, recon, kl, 0) is written here. */
  out: BufferRange;
  n: number;
  latent: number;
  posWeight: number;
  norm: number;
  /** Chunks (decoderChunks: default 1 for `register`, 32 for `tiled`). */
  chunks?: number;
  /**
   * A training step's uniform (shaders/common/step.wgsl) and the loss history ring: `total`
   * then also writes the step's record (recon, kl, count 1, t) at the uniform's history slot.
   */
  record?: { step: GPUBuffer; history: BufferRange };
}

/** The dispatches of one loss evaluation, in order; `finish` is null with a single chunk. */
export interface InnerProductLossDispatches {
  rows: Dispatch;
  finish: Dispatch | null;
  total: Dispatch;
  /** rows, finish (when present), total. */
  all: Dispatch[];
  /** Chunks and nodes per chunk chosen (decoderChunks). */
  chunks: number;
  chunkLen: number;
  /** Whether `rows` shares z_j through the subgroup (inner_product_loss.subgroups.wgsl). */
  subgroups: boolean;
}

/** Compiled inner-product loss pipelines for one device and variant. */
export class InnerProductLossKernels {
  private readonly rowsShader: ShaderPipelines;
  private readonly shared: ShaderPipelines;
  /** The register variant's `rows` with z_j shared through the subgroup (latent <= 16), where the device has subgroups. */
  private readonly subgroups: ShaderPipelines | null;

  constructor(
    private readonly res: GpuResources,
    readonly variant: InnerProductVariant,
    /** `subgroups: false` keeps the register variant off the subgroup shader (default: used where the device has the feature). */
    opts: { subgroups?: boolean } = {},
  ) {
    this.shared = new ShaderPipelines(res.device, registerSource);
    this.rowsShader = variant === 'register' ? this.shared : new ShaderPipelines(res.device, tiledSource);
    this.subgroups = variant === 'register' && (opts.subgroups ?? true) && res.device.features.has('subgroups') ? new ShaderPipelines(res.device, subgroupSource) : null;
  }

  /**
   * The tiled variant's workgroup size TJ (rows per pass and columns per tile): 32, halved until its
   * two staged tiles (TJ x D4 vec4s each) and the gt tile (TJ^2 floats) fit workgroup memory.
   */
  private tileSize(d4: number): number {
    let tj = 32;
    while (tj > 4 && 2 * tj * d4 * 16 + tj * tj * 4 > this.res.device.limits.maxComputeWorkgroupStorageSize) tj /= 2;
    return tj;
  }

  /**
   * The `total` (or, with `record`, `total_record`) dispatch alone: out = (recon + kl, recon, kl)
   * with recon = scale sum over chunks and nodes of lossPart (chunks x pad4(n) floats) and
   * kl = -(0.5 / n^2) sum of klRows. The sampled decoder (src/kernels/sampled_edge_loss.ts)
   * totals its per-node losses through it, with scale 1.
   */
  async buildTotal(
    label: string,
    a: { lossPart: BufferRange; chunks: number; scale: number; klRows: BufferRange | null; out: BufferRange; n: number; record?: { step: GPUBuffer; history: BufferRange } },
    dims?: GPUBuffer,
  ): Promise<Dispatch> {
    const nPad = pad4(a.n);
    if (a.lossPart.size < a.chunks * nPad * 4) throw new Error(`${label}: the loss partials hold ${a.lossPart.size} bytes, ${a.chunks} x ${nPad} floats need ${a.chunks * nPad * 4}`);
    if (a.out.size < 16) throw new Error(`${label}: out holds ${a.out.size} bytes, needs 16`);
    const u = dims ?? this.res.uniform(`${label}.total.dims`, packStruct(DIMS, {
      n: a.n, n_pad: nPad, chunks: a.chunks, chunk_len: a.n, pos_weight: 1, scale: a.scale, kl_scale: a.klRows ? 1 / (a.n * a.n) : 0,
    }, undefined, 'inner_product_loss struct Dims'));
    const entry = a.record ? 'total_record' : 'total';
    const tp = await this.shared.get(entry, { KL: a.klRows ? 1 : 0 }, `inner_product_loss.${entry}${a.klRows ? '' : '[no KL]'}`);
    // Without KL the binding is still declared; the loss partials stand in and are never read through it.
    const totalInputs = [u, null, null, null, a.lossPart, null, a.klRows ?? a.lossPart, null, null, null, a.out];
    return {
      label: `${label}.total`,
      pipeline: tp,
      bindGroup: this.res.bindGroup(`${label}.total`, tp, a.record ? [...totalInputs, a.record.step, a.record.history] : totalInputs),
      workgroups: [1, 1, 1],
    };
  }

  /** Prepares the dispatches (and the partial-sum buffers they need) for these operands. */
  async build(label: string, a: InnerProductLossArgs): Promise<InnerProductLossDispatches> {
    if (!(a.latent >= 1 && a.latent <= MAX_LATENT)) throw new Error(`${label}: latent size ${a.latent} must be 1 to ${MAX_LATENT}`);
    if (a.n < 1 || a.labels.n !== a.n) throw new Error(`${label}: ${a.n} nodes but labels for ${a.labels.n}`);
    const d4 = pad4(a.latent) / 4;
    const nPad = pad4(a.n);
    const zBytes = nPad * d4 * 16;
    for (const [what, r] of [['z', a.z], ['dz', a.dz]] as const) {
      if (r.size < zBytes) throw new Error(`${label}: ${what} holds ${r.size} bytes, ${a.n} x ${a.latent} (padded ${nPad} x ${4 * d4}) needs ${zBytes}`);
    }
    if (a.out.size < 16) throw new Error(`${label}: out holds ${a.out.size} bytes, needs 16`);
    const { chunks, chunkLen } = decoderChunks(a.n, this.variant, a.chunks);
    const blockPairs = (chunks * (chunks + 1)) / 2;
    const maxGroups = this.res.device.limits.maxComputeWorkgroupsPerDimension;
    if (this.variant === 'tiled' && blockPairs > maxGroups) throw new Error(`${label}: ${chunks} chunks make ${blockPairs} block pairs, more workgroups than the device's ${maxGroups} per dimension`);

    const lossPart = whole(this.res.storage(`${label}.loss_part`, chunks * nPad * 4));
    const dzPart = chunks === 1 ? a.dz : whole(this.res.storage(`${label}.dz_part`, chunks * zBytes));
    // pos_weight, scale = norm / N^2 and the KL's weight 1 / N^2 (0 for the GAE).
    const u = this.res.uniform(`${label}.dims`, packStruct(DIMS, {
      n: a.n, n_pad: nPad, chunks, chunk_len: chunkLen, pos_weight: a.posWeight, scale: a.norm / (a.n * a.n), kl_scale: a.klRows ? 1 / (a.n * a.n) : 0,
    }, undefined, 'inner_product_loss struct Dims'));

    const rowsConstants: Record<string, number> = this.variant === 'tiled' ? { D4: d4, TJ: this.tileSize(d4) } : { D4: d4, WG };
    // One invocation of a subgroup loads each vec4 of z_j: subgroups have at least 4.
    const shared = this.subgroups && d4 <= 4 ? this.subgroups : null;
    const rowsPipeline = await (shared ?? this.rowsShader).get('rows', rowsConstants, `inner_product_loss.rows[${this.variant}${shared ? '+subgroups' : ''}]`);
    const rows: Dispatch = {
      label: `${label}.rows`,
      pipeline: rowsPipeline,
      bindGroup: this.res.bindGroup(`${label}.rows`, rowsPipeline, [u, a.z, a.labels.rowPtr, a.labels.colIdx, null, null, null, lossPart, dzPart, null, null]),
      // The register variants: a row of invocations per column chunk; the tiled one: a workgroup per block pair.
      workgroups: this.variant === 'tiled' ? [blockPairs, 1, 1] : [Math.ceil(a.n / WG), chunks, 1],
    };
    let finish: Dispatch | null = null;
    if (chunks > 1) {
      const p = await this.shared.get('finish', { D4: d4, WG });
      finish = {
        label: `${label}.finish`,
        pipeline: p,
        bindGroup: this.res.bindGroup(`${label}.finish`, p, [u, null, null, null, null, dzPart, null, null, null, a.dz, null]),
        workgroups: grid2d(Math.ceil((a.n * d4) / WG), this.res.device.limits.maxComputeWorkgroupsPerDimension),
      };
    }
    const total = await this.buildTotal(label, { lossPart, chunks, scale: a.norm / (a.n * a.n), klRows: a.klRows, out: a.out, n: a.n, record: a.record }, u);
    return { rows, finish, total, all: finish ? [rows, finish, total] : [rows, total], chunks, chunkLen, subgroups: shared !== null };
  }
}
