// iwae: the importance-weighted log-likelihood bound (Burda et al. 2016) from k posterior samples
// per image, folded pass by pass into a stable running log-sum-exp.
//
//   log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x),   z_i = mu + sigma eps_i
//           = -recon_i - 0.5 sum_j z_ij^2 + 0.5 sum_j (eps_ij^2 + lv_j)     (the 2 pi terms cancel)
//   log p(x) >= L_k = log (1/k) sum_i w_i = m + log sum_i exp(log w_i - m) - log k,  m = max log w_i
//
// recon_i is the loss kernel's per-image reconstruction term (bce_kl or gaussian_kl per_row,
// -log p(x|z_i) in nats); lv is clamped as in reparameterize.wgsl, so log q is the density of
// the z it drew. Rows hold `stride` samples of each of `images` images (row g*stride + i is
// sample i of image g); each pass folds the first `take` of them into state[g] = (m, s) with
// s = sum exp(log w - m): the largest weight so far is the reference, so no exp overflows and the
// largest term is exactly 1. The host finishes in float64: L_k = m + log(s) - log(k).

struct Dims {
  latent: u32,  // L
  ld_head: u32, // row stride of head, in floats
  ld_z: u32,    // row stride of z and eps, in floats
  _pad: u32,
}

struct Chunk {
  images: u32, // images in this pass
  stride: u32, // rows per image
  take: u32,   // samples of each image folded in this pass (<= stride)
  first: u32,  // 1 on an image group's first pass: state starts afresh
}

#include "common/logvar.wgsl"

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> chunk: Chunk;
@group(0) @binding(2) var<storage, read> head: array<f32>;
@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read> eps: array<f32>;
@group(0) @binding(5) var<storage, read> per_image: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> log_w: array<f32>;
@group(0) @binding(7) var<storage, read_write> state: array<vec2<f32>>;

// One invocation per row (sample).
@compute @workgroup_size(WG)
fn log_weights(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= chunk.images * chunk.stride) { return; }
  var s = 0.0;
  for (var j = 0u; j < dims.latent; j++) {
    let zj = z[r * dims.ld_z + j];
    let e = eps[r * dims.ld_z + j];
    let lv = min(head[r * dims.ld_head + dims.latent + j], LOGVAR_CLAMP);
    s += e * e + lv - zj * zj;
  }
  log_w[r] = 0.5 * s - per_image[r].x;
}

// One invocation per image: this pass's `take` samples into the running (max, scaled sum).
@compute @workgroup_size(WG)
fn fold(@builtin(global_invocation_id) gid: vec3<u32>) {
  let g = gid.x;
  if (g >= chunk.images) { return; }
  let base = g * chunk.stride;
  var m = log_w[base];
  for (var i = 1u; i < chunk.take; i++) { m = max(m, log_w[base + i]); }
  var s = 0.0;
  let fresh = chunk.first == 1u;
  if (!fresh) {
    let old = state[g];
    let top = max(m, old.x);
    s = old.y * exp(old.x - top);
    m = top;
  }
  for (var i = 0u; i < chunk.take; i++) { s += exp(log_w[base + i] - m); }
  state[g] = vec2<f32>(m, s);
}
