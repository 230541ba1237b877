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

struct Step {
  t: u32,            // the training step, 1-based: the noise counter
  seed: u32,
  count: u32,
  history_slot: u32,
  step_size: f32,
  bc2_sqrt: f32,
  kl_weight: f32,    // beta of the KL term this step (beta-VAE weight times the warm-up ramp)
  _pad: u32,
}

const LOGVAR_CLAMP: f32 = 80.0;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> head: array<f32>;
@group(0) @binding(3) var<storage, read> eps_in: array<f32>;
@group(0) @binding(4) var<storage, read> dz: array<f32>;
@group(0) @binding(5) var<storage, read_write> z: array<f32>;
@group(0) @binding(6) var<storage, read_write> eps_out: array<f32>;
@group(0) @binding(7) var<storage, read_write> dhead: array<f32>;

// 32x32 -> high 32 bits, from 16-bit halves: WGSL has no widening multiply.
fn mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

fn philox4x32_10(ctr_in: vec4<u32>, key_in: vec2<u32>) -> vec4<u32> {
  var c = ctr_in;
  var k = key_in;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}

// Box-Muller on a pair of 24-bit uniforms: u1 in (0, 1] keeps log finite; the angle is in
// [-pi, pi), the range where WGSL states cos/sin accuracy.
fn normal(element: u32) -> f32 {
  let x = philox4x32_10(vec4<u32>(element / 4u, step.t, 0u, 0u), vec2<u32>(step.seed, 0u));
  let lane = element % 4u;
  let pair = select(x.xy, x.zw, lane >= 2u);
  let u1 = f32((pair.x >> 8u) + 1u) * (1.0 / 16777216.0);
  let theta = f32(pair.y >> 8u) * (6.283185307179586 / 16777216.0) - 3.141592653589793;
  let r = sqrt(-2.0 * log(u1));
  return select(r * cos(theta), r * sin(theta), (lane & 1u) == 1u);
}

fn std_of(lv: f32) -> f32 {
  return exp(0.5 * min(lv, LOGVAR_CLAMP));
}

@compute @workgroup_size(64)
fn forward_sample(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  let j = gid.x;
  if (j >= dims.latent || r >= dims.rows) { return; }
  let e = normal(r * dims.latent + j);
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
