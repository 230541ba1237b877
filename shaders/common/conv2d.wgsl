// The declarations both variants of the convolution kernels share (conv2d.wgsl,
// conv2d.tiled.wgsl): the geometry of the convolution frame, the fused epilogue's
// specialisation constants, and the bindings (uniforms, read-only inputs, then outputs):
//   forward:          a = X (in side), b = W, bias, mask -> c = Y
//   backward_input:   a = Y (out side), b = W, bias, mask -> c = X
//   backward_weight:  a = Y (out side), b = X (in side) -> c = dW, dbias

struct Conv {
  rows: u32,   // batch rows B; stored rows are pad4(B)
  ci: u32,     // in side: channels, height, width
  h: u32,
  w: u32,
  co: u32,     // out side: channels, height, width
  ho: u32,
  wo: u32,
  k: u32,      // kernel k x k, stride, zero padding
  stride: u32,
  pad: u32,
  ld_in: u32,  // row strides in floats: pad4(ci h w), pad4(co ho wo), pad4(ci k k)
  ld_out: u32,
  ld_w: u32,
}

override HAS_BIAS: bool = false;   // forward, backward_input: add the bias of the output channel
// ACT: forward, backward_input: the output's activation; MASK_ACT: forward, backward_input:
// times the derivative of the activation whose output is `mask`.
#include "activation.wgsl"
override BIAS_RIGHT: bool = false; // backward_weight: bias gradient of the in side's channels

@group(0) @binding(0) var<uniform> conv: Conv;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbias: array<f32>;

// n rounded up to a multiple of 4: stored rows, padded channels.
fn pad4(n: u32) -> u32 {
  return (n + 3u) & ~3u;
}
