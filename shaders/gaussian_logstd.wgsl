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

// The first two words of the training step's uniform (the step counter and the seed).
struct Step {
  t: u32,
  seed: u32,
}

const LOGSTD_CLAMP: f32 = 40.0;

override WG: u32 = 64;
override KL: bool = true; // false: the GAE (no KL rows, no KL gradient)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> head: array<f32>;
@group(0) @binding(3) var<storage, read> eps_in: array<f32>;
@group(0) @binding(4) var<storage, read> dz: array<f32>;
@group(0) @binding(5) var<storage, read_write> z: array<f32>;
@group(0) @binding(6) var<storage, read_write> eps_out: array<f32>;
@group(0) @binding(7) var<storage, read_write> kl_rows: array<f32>;
@group(0) @binding(8) var<storage, read_write> dhead: array<f32>;

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
    let e = normal(i * dims.latent + k);
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
