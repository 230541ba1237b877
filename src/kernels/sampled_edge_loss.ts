/**
 * Wrapper of shaders/sampled_edge_loss.wgsl: the graph VAE's sampled decoder (PyTorch
 * Geometric's `GAE.recon_loss` with negatives drawn on the GPU every epoch), its loss and dL/dz,
 * with the totals (and the step's record in the loss history ring) from inner_product_loss's
 * `total`. Three dispatches per step: the epoch's permutation keys, `rows`, then `total`.
 */
import source from '../../shaders/sampled_edge_loss.wgsl';
import { FEISTEL_ROUNDS, negativeLayout, negativeScale, type NegativeLayout } from '../graph/negative_sampler.js';
import { pad4 } from '../gpu/pad.js';
import { packStruct, structOf } from '../gpu/layout.js';
import { ShaderPipelines } from '../gpu/shader.js';
import { grid2d, type BufferRange, type Dispatch, type GpuResources } from '../gpu/resources.js';
import { STREAM_NEGATIVES } from '../runtime/philox.js';
import { InnerProductLossKernels, MAX_LATENT, type LabelBuffers } from './inner_product_loss.js';

const WG = 64;
const DIMS = structOf(source, 'Dims');

/** Operands of the sampled loss. */
export interface SampledEdgeLossArgs {
  /** pad4(n) x pad4(latent) floats. */
  z: BufferRange;
  /** A_train + I as sorted neighbour lists (uploadLabels): the positives, and what a negative must not be. */
  labels: LabelBuffers;
  /** n floats from gaussian_logstd (the VGAE's KL sums); null for the GAE. */
  klRows: BufferRange | null;
  /** pad4(n) x pad4(latent) floats: dL/dz is written here. */
  dz: BufferRange;
  /** 16 bytes: (loss, recon, kl, 0). */
  out: BufferRange;
  /** A step uniform (shaders/common/step.wgsl): its t is the epoch and its seed keys the negatives. */
  step: GPUBuffer;
  n: number;
  latent: number;
  /** Negatives per undirected training edge (K). */
  negatives: number;
  /** The loss history ring: the total then writes the step's record at the step uniform's history slot. */
  history?: BufferRange;
}

/** The dispatches of one loss evaluation and what they were built for. */
export interface SampledEdgeLossDispatches {
  keys: Dispatch;
  rows: Dispatch;
  total: Dispatch;
  /** keys, rows, total. */
  all: Dispatch[];
  layout: NegativeLayout;
  /** Undirected training edges E. */
  edges: number;
  /** 1 / E and 1 / (M (1 - p)). */
  posScale: number;
  negScale: number;
}

/** Compiled sampled-decoder pipelines for one device. */
export class SampledEdgeLossKernels {
  private readonly shader: ShaderPipelines;
  private readonly totals: InnerProductLossKernels;

  constructor(private readonly res: GpuResources) {
    this.shader = new ShaderPipelines(res.device, source);
    this.totals = new InnerProductLossKernels(res, 'register', { subgroups: false });
  }

  private dims(label: string, layout: NegativeLayout, posScale: number, negScale: number, epochs: number): GPUBuffer {
    return this.res.uniform(`${label}.dims`, packStruct(DIMS, {
      n: layout.n, slots: layout.slots, rounds: layout.rounds, stream: STREAM_NEGATIVES, left_bits: layout.leftBits, right_bits: layout.rightBits,
      epochs, pos_scale: posScale, neg_scale: negScale,
    }, undefined, 'sampled_edge_loss.wgsl struct Dims'));
  }

  /** Checks the operands, then prepares `keys`, `rows` and `total` (and the keys' and the per-node loss buffers). */
  async build(label: string, a: SampledEdgeLossArgs): Promise<SampledEdgeLossDispatches> {
    if (!(a.latent >= 1 && a.latent <= MAX_LATENT)) throw new Error(`${label}: latent size ${a.latent} must be 1 to ${MAX_LATENT}`);
    if (a.labels.n !== a.n) throw new Error(`${label}: ${a.n} nodes but labels for ${a.labels.n}`);
    // The labels hold A_train (both directions) and the diagonal: 2 E + N entries.
    const edges = (a.labels.nnz - a.n) / 2;
    const layout = negativeLayout(a.n, edges, a.negatives);
    const negScale = negativeScale(layout, a.labels.nnz);
    const d4 = pad4(a.latent) / 4;
    const nPad = pad4(a.n);
    const zBytes = nPad * d4 * 16;
    for (const [what, r] of [['z', a.z], ['dz', a.dz]] as const) {
      if (r.size < zBytes) throw new Error(`${label}: ${what} holds ${r.size} bytes, ${a.n} x ${a.latent} (padded ${nPad} x ${4 * d4}) needs ${zBytes}`);
    }
    const lossPart = { buffer: this.res.storage(`${label}.loss_part`, nPad * 4), offset: 0, size: nPad * 4 };
    const u = this.dims(label, layout, 1 / edges, negScale, 0);
    const keyBytes = 2 * layout.rounds * 16;
    const keyBuffer = { buffer: this.res.storage(`${label}.keys`, keyBytes), offset: 0, size: keyBytes };
    const kp = await this.shader.get('round_keys_of_epoch', { WG }, 'sampled_edge_loss.round_keys_of_epoch');
    const keys: Dispatch = {
      label: `${label}.keys`,
      pipeline: kp,
      bindGroup: this.res.bindGroup(`${label}.keys`, kp, [u, a.step, null, null, null, null, null, null, keyBuffer, null]),
      workgroups: grid2d(Math.ceil((2 * layout.rounds) / WG), this.res.device.limits.maxComputeWorkgroupsPerDimension),
    };
    const pipeline = await this.shader.get('rows', { D4: d4, WG, FEISTEL_ROUNDS }, 'sampled_edge_loss.rows');
    const rows: Dispatch = {
      label: `${label}.rows`,
      pipeline,
      bindGroup: this.res.bindGroup(`${label}.rows`, pipeline, [u, null, a.z, a.labels.rowPtr, a.labels.colIdx, lossPart, a.dz, keyBuffer, null, null]),
      workgroups: grid2d(Math.ceil(a.n / WG), this.res.device.limits.maxComputeWorkgroupsPerDimension),
    };
    // loss_part already carries each node's weights: the total sums it with scale 1.
    const total = await this.totals.buildTotal(label, {
      lossPart, chunks: 1, scale: 1, klRows: a.klRows, out: a.out, n: a.n, record: a.history ? { step: a.step, history: a.history } : undefined,
    });
    return { keys, rows, total, all: [keys, rows, total], layout, edges, posScale: 1 / edges, negScale };
  }

  /**
   * The raw pairs of `epochs` consecutive epochs from the step uniform's t (for tests and for
   * looking at the sampler): 2 M u32 per epoch into `out`, as src/graph/negative_sampler.ts's
   * negativePairs lays them out.
   */
  async pairs(label: string, a: { step: GPUBuffer; layout: NegativeLayout; epochs: number; out: BufferRange }): Promise<Dispatch> {
    const { layout, epochs } = a;
    const need = 8 * layout.slots * epochs;
    if (a.out.size < need) throw new Error(`${label}: out holds ${a.out.size} bytes, ${epochs} epochs of ${layout.slots} pairs need ${need}`);
    const groups = Math.ceil(layout.slots / WG);
    const max = this.res.device.limits.maxComputeWorkgroupsPerDimension;
    if (groups > max || epochs > max) throw new Error(`${label}: ${layout.slots} slots x ${epochs} epochs need a ${groups} x ${epochs} grid, more than ${max} per dimension`);
    const pipeline = await this.shader.get('pairs_of_epochs', { WG, FEISTEL_ROUNDS }, 'sampled_edge_loss.pairs_of_epochs');
    const u = this.dims(label, layout, 0, 0, epochs);
    return {
      label, pipeline,
      bindGroup: this.res.bindGroup(label, pipeline, [u, a.step, null, null, null, null, null, null, null, a.out]),
      workgroups: [groups, epochs, 1],
    };
  }
}

