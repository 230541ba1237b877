// The body both loss kernels share (bce_kl.wgsl, gaussian_kl.wgsl): per-row reconstruction and
// KL with their gradients in one pass, then the batch total. The including file defines the
// decoder's likelihood, per pixel and per row:
//
//   fn pixel_loss(out: f32, x: f32) -> vec2<f32>   (-log p(x | out), d/d out of it)
//   fn row_constant() -> f32                       a term added once per row (0 for Bernoulli)
//
//   kl_r = -0.5 sum_j (1 + lv - mu^2 - exp(lv))    dmu = b mu, dlv = b 0.5 (exp(lv) - 1)
// where b = step.kl_weight (1 for the plain VAE; beta-VAE and KL warm-up change it per step).
//
// outputs, targets, doutputs: [rows, ld_x]; head, dhead: [rows, ld_head], each row [mu | logvar].
// The gradient is that of the sum over the live rows (as in the PyTorch example); rows at or
// past step.count get zero gradient, so padded and unused rows add nothing downstream.
// per_image holds (recon_r, kl_r); `total` sums them and appends (recon, kl, count, t) to the
// history ring (adam.wgsl's grad_norm later adds the gradient's squared norm to the record).

#include "step.wgsl"
#include "record.wgsl"
#include "logvar.wgsl"

struct Dims {
  rows: u32,     // rows to compute (padded batch)
  pixels: u32,   // P
  ld_x: u32,     // row stride of outputs, targets and their gradient, in floats
  latent: u32,   // L
  ld_head: u32,  // row stride of head and dhead, in floats
  inv_var: f32,  // Gaussian decoder: 1 / sigma^2 (unused by Bernoulli)
  log_norm: f32, // Gaussian decoder: P log(sigma sqrt(2 pi)), added once per row (unused by Bernoulli)
  _pad: u32,
}

const WG: u32 = 64u;

override KL: bool = true; // false: the autoencoder (no KL term, no KL gradient)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> logits: array<f32>; // the decoder's output (Bernoulli logits, or the Gaussian's mean)
@group(0) @binding(3) var<storage, read> targets: array<f32>;
@group(0) @binding(4) var<storage, read> head: array<f32>;
@group(0) @binding(5) var<storage, read> per_image_in: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(7) var<storage, read_write> dhead: array<f32>;
@group(0) @binding(8) var<storage, read_write> per_image: array<vec2<f32>>;
@group(0) @binding(9) var<storage, read_write> history: array<Record>;

var<workgroup> partial: array<vec2<f32>, WG>;

// Tree sum of `partial`; every invocation must call it (it has barriers).
fn reduce(lid: u32) -> vec2<f32> {
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { partial[lid] += partial[lid + s]; }
  }
  workgroupBarrier();
  return partial[0];
}

// This invocation's share of row r's KL term, and the KL gradient into dhead. The objective is
// recon + kl_weight * KL; the reported kl stays the unweighted KL, so the reported loss is the
// negative ELBO whatever the weight. Without KL (the autoencoder) both are zero.
fn kl_part(r: u32, lid: u32, live: bool) -> f32 {
  var kl = 0.0;
  for (var j = lid; j < dims.latent; j += WG) {
    let h = r * dims.ld_head;
    let mu = head[h + j];
    let lv = head[h + dims.latent + j];
    let ev = exp(min(lv, LOGVAR_CLAMP));
    kl += -0.5 * (1.0 + lv - mu * mu - ev);
    let w = select(0.0, step.kl_weight, live && KL);
    dhead[h + j] = w * mu;
    dhead[h + dims.latent + j] = w * 0.5 * (select(0.0, ev, lv < LOGVAR_CLAMP) - 1.0);
  }
  return select(0.0, kl, KL);
}

// One workgroup per row.
@compute @workgroup_size(WG)
fn per_row(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wid.x;
  let live = r < step.count;
  var recon = 0.0;
  for (var p = lid; p < dims.pixels; p += WG) {
    let i = r * dims.ld_x + p;
    let lg = pixel_loss(logits[i], targets[i]);
    recon += lg.x;
    dlogits[i] = select(0.0, lg.y, live);
  }
  // The row's constant once, by the invocation that also stores the row's sums.
  if (lid == 0u) { recon += row_constant(); }
  let kl = kl_part(r, lid, live);
  partial[lid] = vec2<f32>(recon, kl);
  let sum = reduce(lid);
  if (lid == 0u) { per_image[r] = select(vec2<f32>(0.0), sum, live); }
}

// One workgroup: the batch totals of the live rows, into the history ring.
@compute @workgroup_size(WG)
fn total(@builtin(local_invocation_index) lid: u32) {
  var s = vec2<f32>(0.0);
  for (var r = lid; r < step.count; r += WG) { s += per_image_in[r]; }
  partial[lid] = s;
  let sum = reduce(lid);
  if (lid == 0u) { history[step.history_slot] = Record(sum.x, sum.y, step.count, step.t, 0.0, 0u, 0u, 0u); }
}
