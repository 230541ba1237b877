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
// and `total` live here only and serve both. Measured on SwiftShader at Cora's shape (N =
// 2,708, L = 16, 7.3M pairs, one chunk): 0.44 s of CPU time per loss (0.44-0.9 s wall on a
// shared 2-core machine); the tiled variant 0.48 s with one chunk and 0.59 s with its
// default 11; with z_i and the accumulator in arrays indexed by k (see `rows`), 5 times slower.
//
// Precision: every loss term is positive, so f32 sums lose at most about (terms) u relative:
// rows sum N / chunks terms, `total` N chunks / 256 per invocation and a tree of 8 levels.
// Loss terms are split into negatives and positives, and pos_weight multiplies the positive
// sum once per row.

#include "common/inner_product.wgsl"

const TOTAL_WG: u32 = 256u;

override KL: bool = true;  // total: add the KL term (false: the GAE)

var<workgroup> partial: array<vec2<f32>, TOTAL_WG>;

// z_i and the gradient accumulator live in named registers zi0..zi15 and a0..a15, each block
// guarded by `k < D4`: D4 is a pipeline constant, so the compiler drops the unused blocks.
// (Arrays indexed in a loop stay in memory on SwiftShader, which does not unroll loops: that
// form was 5 times slower on Cora's shape.)
@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let c = gid.y;
  if (i >= dims.n) { return; }
  let j0 = c * dims.chunk_len;
  let j1 = min(dims.n, j0 + dims.chunk_len);
  let zr = i * D4;
  var zi0 = vec4<f32>(0.0);
  var zi1 = vec4<f32>(0.0);
  var zi2 = vec4<f32>(0.0);
  var zi3 = vec4<f32>(0.0);
  var zi4 = vec4<f32>(0.0);
  var zi5 = vec4<f32>(0.0);
  var zi6 = vec4<f32>(0.0);
  var zi7 = vec4<f32>(0.0);
  var zi8 = vec4<f32>(0.0);
  var zi9 = vec4<f32>(0.0);
  var zi10 = vec4<f32>(0.0);
  var zi11 = vec4<f32>(0.0);
  var zi12 = vec4<f32>(0.0);
  var zi13 = vec4<f32>(0.0);
  var zi14 = vec4<f32>(0.0);
  var zi15 = vec4<f32>(0.0);
  if (0u < D4) { zi0 = z[zr + 0u]; }
  if (1u < D4) { zi1 = z[zr + 1u]; }
  if (2u < D4) { zi2 = z[zr + 2u]; }
  if (3u < D4) { zi3 = z[zr + 3u]; }
  if (4u < D4) { zi4 = z[zr + 4u]; }
  if (5u < D4) { zi5 = z[zr + 5u]; }
  if (6u < D4) { zi6 = z[zr + 6u]; }
  if (7u < D4) { zi7 = z[zr + 7u]; }
  if (8u < D4) { zi8 = z[zr + 8u]; }
  if (9u < D4) { zi9 = z[zr + 9u]; }
  if (10u < D4) { zi10 = z[zr + 10u]; }
  if (11u < D4) { zi11 = z[zr + 11u]; }
  if (12u < D4) { zi12 = z[zr + 12u]; }
  if (13u < D4) { zi13 = z[zr + 13u]; }
  if (14u < D4) { zi14 = z[zr + 14u]; }
  if (15u < D4) { zi15 = z[zr + 15u]; }
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var a8 = vec4<f32>(0.0);
  var a9 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0);
  var a11 = vec4<f32>(0.0);
  var a12 = vec4<f32>(0.0);
  var a13 = vec4<f32>(0.0);
  var a14 = vec4<f32>(0.0);
  var a15 = vec4<f32>(0.0);
  let end = label_ptr[i + 1u];
  var p = lower_bound(label_ptr[i], end, j0);
  var next = label_at(p, end);
  var l = vec2<f32>(0.0); // (non-edge terms, edge terms)
  for (var j = j0; j < j1; j++) {
    let zc = j * D4;
    var d = vec4<f32>(0.0);
    var z0 = vec4<f32>(0.0);
    var z1 = vec4<f32>(0.0);
    var z2 = vec4<f32>(0.0);
    var z3 = vec4<f32>(0.0);
    var z4 = vec4<f32>(0.0);
    var z5 = vec4<f32>(0.0);
    var z6 = vec4<f32>(0.0);
    var z7 = vec4<f32>(0.0);
    var z8 = vec4<f32>(0.0);
    var z9 = vec4<f32>(0.0);
    var z10 = vec4<f32>(0.0);
    var z11 = vec4<f32>(0.0);
    var z12 = vec4<f32>(0.0);
    var z13 = vec4<f32>(0.0);
    var z14 = vec4<f32>(0.0);
    var z15 = vec4<f32>(0.0);
    if (0u < D4) { z0 = z[zc + 0u]; d += zi0 * z0; }
    if (1u < D4) { z1 = z[zc + 1u]; d += zi1 * z1; }
    if (2u < D4) { z2 = z[zc + 2u]; d += zi2 * z2; }
    if (3u < D4) { z3 = z[zc + 3u]; d += zi3 * z3; }
    if (4u < D4) { z4 = z[zc + 4u]; d += zi4 * z4; }
    if (5u < D4) { z5 = z[zc + 5u]; d += zi5 * z5; }
    if (6u < D4) { z6 = z[zc + 6u]; d += zi6 * z6; }
    if (7u < D4) { z7 = z[zc + 7u]; d += zi7 * z7; }
    if (8u < D4) { z8 = z[zc + 8u]; d += zi8 * z8; }
    if (9u < D4) { z9 = z[zc + 9u]; d += zi9 * z9; }
    if (10u < D4) { z10 = z[zc + 10u]; d += zi10 * z10; }
    if (11u < D4) { z11 = z[zc + 11u]; d += zi11 * z11; }
    if (12u < D4) { z12 = z[zc + 12u]; d += zi12 * z12; }
    if (13u < D4) { z13 = z[zc + 13u]; d += zi13 * z13; }
    if (14u < D4) { z14 = z[zc + 14u]; d += zi14 * z14; }
    if (15u < D4) { z15 = z[zc + 15u]; d += zi15 * z15; }
    let edge = j == next;
    if (edge) {
      p++;
      next = label_at(p, end);
    }
    let t = pair_terms(d.x + d.y + d.z + d.w, edge);
    l += t.xy;
    let g = select(t.z, dims.pos_weight * t.z, edge);
    if (0u < D4) { a0 += g * z0; }
    if (1u < D4) { a1 += g * z1; }
    if (2u < D4) { a2 += g * z2; }
    if (3u < D4) { a3 += g * z3; }
    if (4u < D4) { a4 += g * z4; }
    if (5u < D4) { a5 += g * z5; }
    if (6u < D4) { a6 += g * z6; }
    if (7u < D4) { a7 += g * z7; }
    if (8u < D4) { a8 += g * z8; }
    if (9u < D4) { a9 += g * z9; }
    if (10u < D4) { a10 += g * z10; }
    if (11u < D4) { a11 += g * z11; }
    if (12u < D4) { a12 += g * z12; }
    if (13u < D4) { a13 += g * z13; }
    if (14u < D4) { a14 += g * z14; }
    if (15u < D4) { a15 += g * z15; }
  }
  let o = c * dims.n_pad + i;
  loss_part[o] = l.x + dims.pos_weight * l.y;
  let f = 2.0 * dims.scale;
  let zo = o * D4;
  if (0u < D4) { dz_part[zo + 0u] = f * a0; }
  if (1u < D4) { dz_part[zo + 1u] = f * a1; }
  if (2u < D4) { dz_part[zo + 2u] = f * a2; }
  if (3u < D4) { dz_part[zo + 3u] = f * a3; }
  if (4u < D4) { dz_part[zo + 4u] = f * a4; }
  if (5u < D4) { dz_part[zo + 5u] = f * a5; }
  if (6u < D4) { dz_part[zo + 6u] = f * a6; }
  if (7u < D4) { dz_part[zo + 7u] = f * a7; }
  if (8u < D4) { dz_part[zo + 8u] = f * a8; }
  if (9u < D4) { dz_part[zo + 9u] = f * a9; }
  if (10u < D4) { dz_part[zo + 10u] = f * a10; }
  if (11u < D4) { dz_part[zo + 11u] = f * a11; }
  if (12u < D4) { dz_part[zo + 12u] = f * a12; }
  if (13u < D4) { dz_part[zo + 13u] = f * a13; }
  if (14u < D4) { dz_part[zo + 14u] = f * a14; }
  if (15u < D4) { dz_part[zo + 15u] = f * a15; }
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
