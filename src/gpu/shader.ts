/**
 * Shader compilation with errors that name the shader and point at its own lines.
 */

/** Compiles WGSL and throws `name: [error at line:col] message` for every error the compiler reports. */
export async function compileShader(device: GPUDevice, name: string, code: string): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label: name, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const lines = errors.map((m) => `[error at ${m.lineNum}:${m.linePos}] ${m.message}`);
    throw new Error(`${name}: WGSL compilation failed\n${lines.join('\n')}`);
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
    /** File name for messages, e.g. `bce_kl.wgsl`. */
    readonly name: string,
    private readonly source: string,
  ) {}

  /** The pipeline of `entry` specialised with `constants`, labelled `label`. */
  get(entry: string, constants: Record<string, number> = {}, label = `${this.name.replace(/\.wgsl$/, '')}.${entry}`): Promise<GPUComputePipeline> {
    const key = `${entry}:${JSON.stringify(constants)}`;
    let p = this.cache.get(key);
    if (!p) {
      this.module ??= compileShader(this.device, this.name, this.source);
      p = this.module.then((m) => createPipeline(this.device, label, m, entry, constants));
      this.cache.set(key, p);
    }
    return p;
  }
}
