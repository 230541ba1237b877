/**
 * Shader compilation with errors that name the shader and point at the lines as written (the
 * included file and its line, not the expanded text).
 */
import { sourceLine, type WgslSource } from './layout.js';

/** Compiles WGSL and throws `name: [error at file:line:col] message` for every error the compiler reports. */
export async function compileShader(device: GPUDevice, source: WgslSource): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label: source.name, code: source.code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const lines = errors.map((m) => `[error at ${sourceLine(source, m.lineNum)}:${m.linePos}] ${m.message}`);
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

/** One WGSL source compiled once, and its pipelines by entry point and constants, each made once. */
export class ShaderPipelines {
  private module?: Promise<GPUShaderModule>;
  private readonly cache = new Map<string, Promise<GPUComputePipeline>>();

  constructor(
    private readonly device: GPUDevice,
    readonly source: WgslSource,
  ) {}

  /** File name for messages, e.g. `bce_kl.wgsl`. */
  get name(): string {
    return this.source.name;
  }

  /** The pipeline of `entry` specialised with `constants`, labelled `label`. */
  get(entry: string, constants: Record<string, number> = {}, label = `${this.name.replace(/\.wgsl$/, '')}.${entry}`): Promise<GPUComputePipeline> {
    const key = `${entry}:${JSON.stringify(constants)}`;
    let p = this.cache.get(key);
    if (!p) {
      this.module ??= compileShader(this.device, this.source);
      p = this.module.then((m) => createPipeline(this.device, label, m, entry, constants));
      this.cache.set(key, p);
    }
    return p;
  }
}
