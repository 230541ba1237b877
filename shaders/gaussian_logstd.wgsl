// gaussian_logstd: the graph VAE's posterior sample and KL term, parametrised by log sigma
// (the paper's encoder outputs log standard deviations, not log variances).
//
//   head [rows, ld_head]: each row [mu (L) | log sigma (L)], the output of Â H W_head
//   forward   z = mu + eps sigma, sigma = exp(log sigma)            z, eps [rows, ld_z]
//             kl_rows[i] = sum_k (1 + 2 log sigma - mu^2 - sigma^2)  (the KL term is
//             -(0.5 / N) mean_i kl_rows[i]; inner_product_loss.total adds it to the loss)
//   backward  dhead[i, k]     = dz + c mu
//             dhead[i, L + k] = dz eps sigma + c (sigma^2 - 1)        c = kl_scale = 1 / N^2
//
// forward_sample draws eps on the GPU from Philox4x32-10 keyed by (seed, step, element) with
// element = row * L + k, exactly as reparameterize.wgsl does (src/philox.ts computes the same
// numbers); forward_given reads eps; forward_mean is the GAE: z = mu, eps = 0, no KL rows, and
// with KL = false its backward passes dz to mu alone. log sigma is clamped at LOGSTD_CLAMP
// inside exp() only (sigma^2 = exp(2 log sigma) overflows f32 past 44); where clamped, no
// gradient flows through exp.
//
// One invocation per node: L is small (16 in the paper) and the row sum of the KL needs no
// reduction. Only rows < dims.rows are touched; padded rows of z, eps and dhead stay as they are
// (zero from creation).

struct Dims {
  rows: u32,     // N, the nodes
  latent: u32,   // L
  ld_head: u32,  // row stride of head and dhead, in floats
  ld_z: u32,     // row stride of z, eps and dz, in floats
  kl_scale: f32, // weight of the KL gradient: 1 / N^2 (0 without KL)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

#include "common/philox.wgsl"

const LOGSTD_CLAMP: f32 = 40.0;

override WG: u32 = 64;
override KL: bool = true; // false: the GAE (no KL rows, no KL gradient)

#include "common/posterior_bindings.wgsl"
@group(0) @binding(7) var<storage, read_write> kl_rows: array<f32>;
@group(0) @binding(8) var<storage, read_write> dhead: array<f32>;

fn sigma_of(ls: f32) -> f32 {
  return exp(min(ls, LOGSTD_CLAMP));
}

// z[i, k] from noise e; returns the KL row's term (1 + 2 log sigma - mu^2 - sigma^2).
fn put_z(i: u32, k: u32, e: f32) -> f32 {
  let h = i * dims.ld_head;
  let mu = head[h + k];
  let ls = head[h + dims.latent + k];
  let sigma = sigma_of(ls);
  z[i * dims.ld_z + k] = mu + e * sigma;
  return 1.0 + 2.0 * ls - mu * mu - sigma * sigma;
}

// Each entry point names only the bindings it uses (layouts are derived from the shader).
@compute @workgroup_size(WG)
fn forward_sample(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.rows) { return; }
  var s = 0.0;
  for (var k = 0u; k < dims.latent; k++) {
    let e = philox_normal(step.seed, step.t, i * dims.latent + k);
    eps_out[i * dims.ld_z + k] = e;
    s += put_z(i, k, e);
  }
  kl_rows[i] = select(0.0, s, KL);
}

@compute @workgroup_size(WG)
fn forward_given(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.rows) { return; }
  var s = 0.0;
  for (var k = 0u; k < dims.latent; k++) { s += put_z(i, k, eps_in[i * dims.ld_z + k]); }
  kl_rows[i] = select(0.0, s, KL);
}

// The GAE: z = mu and eps = 0, so that `backward` passes dz to mu only.
@compute @workgroup_size(WG)
fn forward_mean(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.rows) { return; }
  for (var k = 0u; k < dims.latent; k++) {
    z[i * dims.ld_z + k] = head[i * dims.ld_head + k];
    eps_out[i * dims.ld_z + k] = 0.0;
  }
}

// Writes (not adds) dhead: the whole gradient of the loss with respect to [mu | log sigma].
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.rows) { return; }
  let c = select(0.0, dims.kl_scale, KL);
  let h = i * dims.ld_head;
  for (var k = 0u; k < dims.latent; k++) {
    let mu = head[h + k];
    let ls = head[h + dims.latent + k];
    let g = dz[i * dims.ld_z + k];
    let live = ls < LOGSTD_CLAMP;
    let sigma = sigma_of(ls);
    dhead[h + k] = g + c * mu;
    let through_z = select(0.0, g * eps_in[i * dims.ld_z + k] * sigma, live);
    dhead[h + dims.latent + k] = through_z + c * (select(0.0, sigma * sigma, live) - 1.0);
  }
}
