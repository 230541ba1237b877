/**
 * Shader compilation with errors that name the shader and point at the lines as written (the
 * included file and its line, not the expanded text).
 */
import { sourcePosition, type WgslSource } from './layout.js';

/** Compiles WGSL and throws `name: [error at file:line:col] message` for every error the compiler reports. */
export async function compileShader(device: GPUDevice, source: WgslSource): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label: source.name, code: source.code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const lines = errors.map((m) => `[error at ${sourcePosition(source, m.lineNum, m.linePos)}] ${m.message}`);
    throw new Error(`${source.name}: WGSL compilation failed\n${lines.join('\n')}`);
  }
  return module;
}

/** Creates a compute pipeline; a bad one fails with its label and the implementation's message. */
export async function createPipeline(
  device: GPUDevice,
  label: string,
  module: GPUShaderModule,
  entryPoint: string,
  constants: Record<string, number> = {},
): Promise<GPUComputePipeline> {
  try {
    return await device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint, constants } });
  } catch (e) {
    throw new Error(`${label}: pipeline creation failed: ${(e as Error).message}`);
  }
}

/** A source's module and pipelines on one device. */
interface Compiled {
  /** The code compiled: another source of the same name (e.g. a shader edited while a process runs) replaces the store. */
  source: string;
  module?: Promise<GPUShaderModule>;
  pipelines: Map<string, Promise<GPUComputePipeline>>;
}

/**
 * Every device's compiled sources, by source name: pipelines are made once per device and shared
 * by every wrapper and model on it (a software adapter takes seconds to compile a model's
 * kernels; rebuilding a model on the same device, for a new learning rate, then costs nothing).
 */
const compiled = new WeakMap<GPUDevice, Map<string, Compiled>>();

/** One WGSL source compiled once per device, and its pipelines by entry point and constants, each made once. */
export class ShaderPipelines {
  private readonly store: Compiled;

  constructor(
    private readonly device: GPUDevice,
    readonly source: WgslSource,
  ) {
    let sources = compiled.get(device);
    if (!sources) compiled.set(device, (sources = new Map()));
    let store = sources.get(source.name);
    if (!store || store.source !== source.code) {
      store = { source: source.code, pipelines: new Map() };
      sources.set(source.name, store);
    }
    this.store = store;
  }

  /** File name for messages, e.g. `bce_kl.wgsl`. */
  get name(): string {
    return this.source.name;
  }

  /** The pipeline of `entry` specialised with `constants`, labelled `label` (by the first caller). */
  get(entry: string, constants: Record<string, number> = {}, label = `${this.name.replace(/\.wgsl$/, '')}.${entry}`): Promise<GPUComputePipeline> {
    const key = `${entry}:${JSON.stringify(constants)}`;
    const store = this.store;
    let p = store.pipelines.get(key);
    if (!p) {
      store.module ??= compileShader(this.device, this.source);
      p = store.module.then((m) => createPipeline(this.device, label, m, entry, constants));
      // A failed compilation is not kept: the next caller sees the error again.
      p.catch(() => store.pipelines.delete(key));
      store.pipelines.set(key, p);
    }
    return p;
  }
}
