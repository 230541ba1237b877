// The declarations both variants of the linear layer share (linear.wgsl, linear.tiled.wgsl):
// sizes, specialisation constants and bindings (uniforms, read-only inputs, then outputs), so
// the wrapper (src/kernels/linear.ts) binds either variant the same way.

struct Dims {
  M: u32,   // output rows (padded)
  N: u32,   // output columns (padded)
  K: u32,   // reduction length (padded)
  lda: u32, // row strides in vec4 units
  ldb: u32,
  ldc: u32,
  live_n: u32, // logical columns of the output (forward: out, backward_input: in), for live_columns
}

// The wrapper always sets WG_X and WG_Y (per variant); the defaults are the register variant's.
override WG_X: u32 = 16;     // invocations along N
override WG_Y: u32 = 1;      // invocations along M
// ACT (forward: the output's activation) and MASK_ACT (backward_input: times the derivative of
// the previous layer's activation, read from H = this layer's input):
#include "activation.wgsl"

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dbias: array<vec4<f32>>;
