// gaussian_kl: the Gaussian decoder's VAE loss and its gradient in one pass, then the batch total.
//
//   recon_r = sum_p (x - m)^2 / (2 sigma^2) + P log(sigma sqrt(2 pi))      dm = (m - x) / sigma^2
//   kl_r    = -0.5 sum_j (1 + lv - mu^2 - exp(lv))            dmu = b mu, dlv = b 0.5 (exp(lv) - 1)
// where m is the decoder's output (the mean, no activation), sigma the fixed standard deviation
// of every pixel and b = step.kl_weight. recon is -log N(x; m, sigma^2), so recon + kl is the
// negative ELBO in nats; as a log density of continuous pixels it goes below zero as the model
// fits and does not compare with bce_kl's negative log probabilities.
//
// Everything but the pixel loop is bce_kl.wgsl's text (a test checks): the same bindings, rows
// counting, KL part, per-image pairs and history record. The squared error needs no special
// care for stability; 1/sigma^2 and the per-row normaliser P log(sigma sqrt(2 pi)) come from
// the host in float64. A sum of squares in f32 over 784 pixels errs by ~1e-7 relative.

struct Dims {
  rows: u32,    // rows to compute (padded batch)
  pixels: u32,  // P
  ld_x: u32,    // row stride of outputs, targets and their gradient, in floats
  latent: u32,  // L
  ld_head: u32, // row stride of head and dhead, in floats
  inv_var: f32, // 1 / sigma^2
  log_norm: f32, // P log(sigma sqrt(2 pi)), added once per row
  _pad: u32,
}

struct Step {
  t: u32,            // the training step, 1-based
  seed: u32,
  count: u32,        // live rows this step
  history_slot: u32, // where `total` writes this step's record
  step_size: f32,    // Adam: lr / (1 - beta1^t)
  bc2_sqrt: f32,     // Adam: sqrt(1 - beta2^t)
  kl_weight: f32,    // beta of the KL term this step (beta-VAE weight times the warm-up ramp)
  _pad: u32,
}

struct Record {
  recon: f32,   // batch sums of the live rows (bce_kl.total)
  kl: f32,
  count: u32,
  t: u32,
  grad_sq: f32, // squared L2 norm of the step's whole gradient (adam.grad_norm)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

const WG: u32 = 64u;
const LOGVAR_CLAMP: f32 = 80.0;

override KL: bool = true; // false: the autoencoder (no KL term, no KL gradient)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> logits: array<f32>; // the decoder output: here the mean m
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
    let d = logits[i] - targets[i];
    recon += 0.5 * d * d * dims.inv_var;
    dlogits[i] = select(0.0, d * dims.inv_var, live);
  }
  // The normaliser once per row, by the invocation that also stores the row's sums.
  if (lid == 0u) { recon += dims.log_norm; }
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
