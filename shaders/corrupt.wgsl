// corrupt: the denoising objectives' input corruption, drawn on the GPU afresh each step.
//
//   mask:P        x~ = 0 with probability P, else x
//   gauss:S       x~ = clamp(x + S n, 0, 1), n ~ N(0, 1)
//   saltpepper:P  with probability P, x~ = 0 or 1 (each half the time), else x
//   none          x~ = x
//
// clean, out: [rows, ld] padded matrices (ld = pixels rounded up to 4; padding stays zero).
// Training feeds x~ to the encoder and scores the decoder against the clean x (the loss
// kernel's target); the host keeps both buffers.
//
// Randomness: one Philox4x32-10 block per pixel, counter (row * pixels + p, t, 0, 0) under the
// key (seed, STREAM_CORRUPT = 3): its own stream, apart from the reparameterization's noise
// (key word 1 = 0) and initialisation (1), so turning corruption on changes no other number.
// u = (w >> 8) 2^-24 in [0, 1): mask and salt-and-pepper compare u0 with P (pepper or salt by
// u1 < 0.5); the Gaussian is Box-Muller on ((w0 >> 8) + 1) 2^-24 in (0, 1] and the angle of
// w1, as in common/philox.wgsl. src/reference/corrupt.ts computes the same numbers.

#include "common/step.wgsl"
#include "common/philox.wgsl"

struct Corruption {
  mode: u32,   // 0 none, 1 mask, 2 gauss, 3 saltpepper
  amount: f32, // P (mask, saltpepper) or S (gauss)
  pixels: u32, // values per row
  ld: u32,     // row stride, in floats
  rows: u32,   // rows to write (padded batch)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

const STREAM_CORRUPT: u32 = 3u;
const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> c: Corruption;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> clean: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// x corrupted by the Philox block w.
fn corrupt_one(x: f32, w: vec4<u32>) -> f32 {
  let u0 = f32(w.x >> 8u) * (1.0 / 16777216.0);
  let u1 = f32(w.y >> 8u) * (1.0 / 16777216.0);
  switch c.mode {
    case 1u: { return select(x, 0.0, u0 < c.amount); }
    case 2u: {
      let v = f32((w.x >> 8u) + 1u) * (1.0 / 16777216.0);
      let theta = u1 * 6.283185307179586 - 3.141592653589793;
      return clamp(x + c.amount * sqrt(-2.0 * log(v)) * cos(theta), 0.0, 1.0);
    }
    case 3u: { return select(x, select(1.0, 0.0, u1 < 0.5), u0 < c.amount); }
    default: { return x; }
  }
}

// One invocation per pixel of a row; rows along y.
@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  let r = gid.y;
  if (p >= c.pixels || r >= c.rows) { return; }
  let i = r * c.ld + p;
  if (c.mode == 0u) {
    out[i] = clean[i];
    return;
  }
  let w = philox4x32_10(vec4<u32>(r * c.pixels + p, step.t, 0u, 0u), vec2<u32>(step.seed, STREAM_CORRUPT));
  out[i] = corrupt_one(clean[i], w);
}
