/**
 * Every GPU object the runtime makes goes through here: labelled, counted, and destroyed together.
 */

/** A compute dispatch prepared once at construction and encoded every step. */
export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

/** A range of a buffer: the whole buffer or one tensor of an arena. */
export type BufferRange = GPUBufferBinding & { size: number };

/** Owns buffers for one runtime object; `destroy()` releases them all. */
export class GpuResources {
  private readonly buffers: GPUBuffer[] = [];

  constructor(readonly device: GPUDevice) {}

  /** A zero-initialised buffer (WebGPU zero-fills new buffers). */
  buffer(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const limit = this.device.limits.maxBufferSize;
    if (size > limit) throw new Error(`${label}: ${size} bytes exceeds the device's maxBufferSize ${limit}`);
    const b = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    this.buffers.push(b);
    return b;
  }

  /** A storage buffer usable as input, output, copy source and copy destination. */
  storage(label: string, size: number): GPUBuffer {
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (size > max) throw new Error(`${label}: ${size} bytes exceeds the device's maxStorageBufferBindingSize ${max}`);
    return this.buffer(label, size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  }

  /** A uniform buffer holding `data` (written once here; later writes are the caller's). */
  uniform(label: string, data: ArrayBuffer | ArrayBufferView): GPUBuffer {
    const bytes = data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const b = this.buffer(label, bytes.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(b, 0, bytes);
    return b;
  }

  /** Bind group for `pipeline` with resources at bindings 0, 1, ... in order (null skips one). */
  bindGroup(label: string, pipeline: GPUComputePipeline, resources: (GPUBufferBinding | GPUBuffer | null)[]): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    resources.forEach((r, binding) => {
      if (r === null) return;
      entries.push({ binding, resource: 'mapState' in r ? { buffer: r } : r });
    });
    return this.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  }

  /** How many buffers are alive (not yet destroyed by `destroy()`). */
  get liveBuffers(): number {
    return this.buffers.length;
  }

  /** Destroys every buffer made here. */
  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}

/** Encodes prepared dispatches into one compute pass. */
export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
  }
}

/** Splits a 1-D count of workgroups into a 2-D grid within the device limit. */
export function grid2d(workgroups: number, maxPerDim: number): [number, number, number] {
  if (workgroups <= maxPerDim) return [Math.max(1, workgroups), 1, 1];
  const y = Math.ceil(workgroups / maxPerDim);
  return [Math.ceil(workgroups / y), y, 1];
}
