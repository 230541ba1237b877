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
