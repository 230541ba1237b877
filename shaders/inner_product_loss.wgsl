// inner_product_loss: the graph VAE's decoder, its reconstruction loss and the gradient of the
// latent codes, fused and computed block by block: no N x N buffer exists.
//
//   x_ij  = z_i . z_j                      every pair, i = j included
//   y_ij  = [j in labels(i)]               labels: sorted neighbour lists of A_train + I (CSR)
//   l_ij  = y pw softplus(-x) + (1 - y) softplus(x)        (TensorFlow's weighted BCE from logits)
//   g_ij  = dl/dx = y pw (sigmoid(x) - 1) + (1 - y) sigmoid(x)
//   recon = scale sum_ij l_ij               scale = norm / N^2, pw = pos_weight
//   dz_i  = scale (sum_j g_ij z_j + sum_j g_ji z_j) = 2 scale sum_j g_ij z_j
// The last step holds because x and y are symmetric (z_i . z_j and z_j . z_i are the same f32
// products summed in the same order; the wrapper checks the labels' symmetry once).
// softplus(x) = max(x, 0) + log1p(exp(-|x|)): stable at saturation, as in bce_kl.wgsl, with the
// same log1p: log(u) e / (u - 1), u = 1 + e (WGSL has no log1p).
//
// Entry points (z is N x D4 vec4s, L padded to 4 with zero padding):
//   rows    node i, chunk c of columns [c chunk_len, (c + 1) chunk_len):
//           loss_part[c, i] = sum_j l_ij (unscaled), dz_part[c, i] = 2 scale sum_j g_ij z_j
//   finish  dz = sum_c dz_part[c]; dispatched only when chunks > 1 (one chunk: dz_part is dz)
//   total   one workgroup: recon = scale sum loss_part, kl = -0.5 kl_scale sum kl_rows (the
//           VGAE's KL: -(0.5 / N) mean_i sum_k (1 + 2 log sigma - mu^2 - sigma^2), kl_scale =
//           1 / N^2); out[0] = (recon + kl, recon, kl, 0)
// Memory: O(N d + nnz): z, dz, chunks x N x d partial gradients, chunks x N partial losses.
//
// Variant: registers, no workgroup memory, no barriers (SwiftShader runs a barrier as a
// coroutine switch per 4-lane group). Each invocation keeps z_i and its gradient accumulator
// in registers and streams z_j from storage; the 4 lanes of a group read the same z_j. The
// labels are walked with a pointer: one integer compare per pair. inner_product_loss.tiled.wgsl
// is the variant for GPUs (z_j staged in workgroup memory) with identical bindings; `finish`
// and `total` live here only and serve both.
//
// Precision: every loss term is positive, so f32 sums lose at most about (terms) u relative:
// rows sum N / chunks terms, `total` N chunks / 256 per invocation and a tree of 8 levels.
// Loss terms are split into negatives and positives, and pos_weight multiplies the positive
// sum once per row.

struct Dims {
  n: u32,          // nodes
  n_pad: u32,      // rows of each chunk of partials (n rounded up to 4)
  chunks: u32,     // column chunks
  chunk_len: u32,  // columns per chunk
  pos_weight: f32, // (N^2 - nnz) / nnz
  scale: f32,      // norm / N^2
  kl_scale: f32,   // 1 / N^2
  _pad: u32,
}

const MAX_D4: u32 = 16u;   // latent sizes up to 64
const TOTAL_WG: u32 = 256u;

override D4: u32 = 4u;     // vec4s per row of z (L padded to 4, over 4)
override WG: u32 = 64u;
override KL: bool = true;  // total: add the KL term (false: the GAE)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> z: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> label_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> label_idx: array<u32>;
@group(0) @binding(4) var<storage, read> loss_part_in: array<f32>;
@group(0) @binding(5) var<storage, read> dz_part_in: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> kl_rows: array<f32>;
@group(0) @binding(7) var<storage, read_write> loss_part: array<f32>;
@group(0) @binding(8) var<storage, read_write> dz_part: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> dz: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> out: array<vec4<f32>>;

var<workgroup> partial: array<vec2<f32>, TOTAL_WG>;

fn log1p_small(e: f32) -> f32 {
  let u = 1.0 + e;
  return select(log(u) * e / (u - 1.0), e, u == 1.0);
}

// One pair's terms: (softplus(x) if a non-edge, softplus(-x) if an edge, g / pos_weight^y).
// The edge's gradient pw (sigmoid(x) - 1) = -pw sigmoid(-x); the caller multiplies by pw.
fn pair_terms(x: f32, edge: bool) -> vec3<f32> {
  let e = exp(-abs(x));
  let lp = log1p_small(e);
  let inv = 1.0 / (1.0 + e);
  let sig = select(e * inv, inv, x >= 0.0);     // sigmoid(x)
  let sig_neg = select(inv, e * inv, x >= 0.0); // sigmoid(-x)
  if (edge) { return vec3<f32>(0.0, max(-x, 0.0) + lp, -sig_neg); }
  return vec3<f32>(max(x, 0.0) + lp, 0.0, sig);
}

// First position in label_idx[lo, hi) holding a column >= v.
fn lower_bound(lo: u32, hi: u32, v: u32) -> u32 {
  var a = lo;
  var b = hi;
  while (a < b) {
    let m = (a + b) / 2u;
    if (label_idx[m] < v) { a = m + 1u; } else { b = m; }
  }
  return a;
}

fn label_at(p: u32, end: u32) -> u32 {
  if (p < end) { return label_idx[p]; }
  return 0xffffffffu;
}

@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let c = gid.y;
  if (i >= dims.n) { return; }
  let j0 = c * dims.chunk_len;
  let j1 = min(dims.n, j0 + dims.chunk_len);
  var zi: array<vec4<f32>, MAX_D4>;
  var acc: array<vec4<f32>, MAX_D4>;
  for (var k = 0u; k < D4; k++) {
    zi[k] = z[i * D4 + k];
    acc[k] = vec4<f32>(0.0);
  }
  let end = label_ptr[i + 1u];
  var p = lower_bound(label_ptr[i], end, j0);
  var next = label_at(p, end);
  var l = vec2<f32>(0.0); // (non-edge terms, edge terms)
  for (var j = j0; j < j1; j++) {
    var zj: array<vec4<f32>, MAX_D4>;
    var d = vec4<f32>(0.0);
    for (var k = 0u; k < D4; k++) {
      zj[k] = z[j * D4 + k];
      d += zi[k] * zj[k];
    }
    let edge = j == next;
    if (edge) {
      p++;
      next = label_at(p, end);
    }
    let t = pair_terms(d.x + d.y + d.z + d.w, edge);
    l += t.xy;
    let g = select(t.z, dims.pos_weight * t.z, edge);
    for (var k = 0u; k < D4; k++) { acc[k] += g * zj[k]; }
  }
  let o = c * dims.n_pad + i;
  loss_part[o] = l.x + dims.pos_weight * l.y;
  let f = 2.0 * dims.scale;
  for (var k = 0u; k < D4; k++) { dz_part[o * D4 + k] = f * acc[k]; }
}

// dz[i] = sum over chunks of dz_part[c, i], one vec4 per invocation.
@compute @workgroup_size(WG)
fn finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let idx = gid.x + gid.y * groups.x * WG;
  if (idx >= dims.n * D4) { return; }
  var s = vec4<f32>(0.0);
  for (var c = 0u; c < dims.chunks; c++) { s += dz_part_in[c * dims.n_pad * D4 + idx]; }
  dz[idx] = s;
}

// One workgroup: the loss of the step.
@compute @workgroup_size(TOTAL_WG)
fn total(@builtin(local_invocation_index) lid: u32) {
  var s = vec2<f32>(0.0);
  for (var c = 0u; c < dims.chunks; c++) {
    for (var i = lid; i < dims.n; i += TOTAL_WG) { s.x += loss_part_in[c * dims.n_pad + i]; }
  }
  if (KL) {
    for (var i = lid; i < dims.n; i += TOTAL_WG) { s.y += kl_rows[i]; }
  }
  partial[lid] = s;
  for (var h = TOTAL_WG / 2u; h > 0u; h >>= 1u) {
    workgroupBarrier();
    if (lid < h) { partial[lid] += partial[lid + h]; }
  }
  if (lid == 0u) {
    let recon = dims.scale * partial[0].x;
    let kl = -0.5 * dims.kl_scale * partial[0].y;
    out[0] = vec4<f32>(recon + kl, recon, kl, 0.0);
  }
}
