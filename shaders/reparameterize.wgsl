// reparameterize: z = mu + exp(0.5 logvar) * eps, and its backward.
//
//   head  [rows, ld_head]: each row is [mu (L) | logvar (L)] (the encoder's head layer output)
//   eps   [rows, ld_z]   : the noise, written by forward_sample (forward_mean: zeros), read by forward_given
//   z     [rows, ld_z]   : the decoder's input
//   backward: dhead[:, j] += dz[:, j];  dhead[:, L + j] += dz * eps * 0.5 exp(0.5 logvar)
//
// Noise is drawn on the GPU from Philox4x32-10 keyed by (seed, step, element) with
// element = row * L + j, so a run is reproducible and the CPU uploads no noise per step;
// src/philox.ts computes the same numbers. logvar is clamped to LOGVAR_CLAMP inside exp()
// only (f32 exp overflows past ~88.7); where clamped, no gradient flows through exp.

struct Dims {
  rows: u32,    // rows to compute (padded batch)
  latent: u32,  // L
  ld_head: u32, // row stride of head and dhead, in floats
  ld_z: u32,    // row stride of z, eps and dz, in floats
}

#include "common/logvar.wgsl"
#include "common/philox.wgsl"

#include "common/posterior_bindings.wgsl"
@group(0) @binding(7) var<storage, read_write> dhead: array<f32>;

fn std_of(lv: f32) -> f32 {
  return exp(0.5 * min(lv, LOGVAR_CLAMP));
}

@compute @workgroup_size(64)
fn forward_sample(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  let j = gid.x;
  if (j >= dims.latent || r >= dims.rows) { return; }
  let e = philox_normal(step.seed, step.t, r * dims.latent + j);
  let h = r * dims.ld_head;
  eps_out[r * dims.ld_z + j] = e;
  z[r * dims.ld_z + j] = head[h + j] + std_of(head[h + dims.latent + j]) * e;
}

@compute @workgroup_size(64)
fn forward_given(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  let j = gid.x;
  if (j >= dims.latent || r >= dims.rows) { return; }
  let h = r * dims.ld_head;
  z[r * dims.ld_z + j] = head[h + j] + std_of(head[h + dims.latent + j]) * eps_in[r * dims.ld_z + j];
}

// The autoencoder's "sampling": z = mu, and eps = 0 so that `backward` passes dz to mu only.
@compute @workgroup_size(64)
fn forward_mean(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  let j = gid.x;
  if (j >= dims.latent || r >= dims.rows) { return; }
  eps_out[r * dims.ld_z + j] = 0.0;
  z[r * dims.ld_z + j] = head[r * dims.ld_head + j];
}

// Runs after the loss kernel has written the KL gradient into dhead: adds the path through z.
@compute @workgroup_size(64)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  let j = gid.x;
  if (j >= dims.latent || r >= dims.rows) { return; }
  let h = r * dims.ld_head;
  let g = dz[r * dims.ld_z + j];
  let lv = head[h + dims.latent + j];
  dhead[h + j] += g;
  if (lv < LOGVAR_CLAMP) {
    dhead[h + dims.latent + j] += g * eps_in[r * dims.ld_z + j] * 0.5 * exp(0.5 * lv);
  }
}
