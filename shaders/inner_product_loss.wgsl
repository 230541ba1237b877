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
//   total_record  the same, and the step's record in the loss history ring (recon, kl, count 1,
//           t) at step.history_slot, as the MLP's loss kernels append theirs: a training step
//           (one full graph) reads its loss back through the scheduler like any other model,
//           and adam.wgsl's grad_norm adds the gradient's squared norm to the same record
// Memory: O(N d + nnz): z, dz, chunks x N x d partial gradients, chunks x N partial losses.
//
// Variant: registers, no workgroup memory, no barriers (SwiftShader runs a barrier as a
// coroutine switch per 4-lane group). Each invocation keeps z_i and its gradient accumulator
// in registers and streams z_j from storage; the 4 lanes of a group read the same z_j. The
// labels are walked with a pointer: one integer compare per pair. inner_product_loss.tiled.wgsl
// is the variant for GPUs (blocks of pairs on and above the diagonal, each unordered pair once)
// with identical bindings; `finish` and `total` live here only and serve both. Measured on
// SwiftShader at Cora's shape (N = 2,708, L = 16, 7.3M pairs, one chunk): 0.44 s of CPU time per
// loss (0.44-0.9 s wall on a shared 2-core machine); with z_i and the accumulator in arrays
// indexed by k (see `rows`), 5 times slower.
//
// Why this variant visits every ordered pair, twice the pairs the tiled one visits: each
// unordered pair visited once must also add g z_i into row j, which some other invocation owns;
// the sum over the rows that share a column needs workgroup memory and barriers, subgroup
// reductions, or read-modify-writes of a partial buffer, and on SwiftShader each of those costs
// more than the dot product and the exp and log it saves (about a quarter of a pair's cost
// there; loads, shuffles and loop overhead are the rest). CPU time of the loss at Cora's shape
// on the shared 2-core machine (load average 8-12, minimum of 4 runs, same run for each row):
//   every ordered pair, z_j shared by subgroup shuffles (the subgroup variant)       0.33-0.43 s
//   every ordered pair, z_j from storage (this variant)                               0.54-0.71 s
//   each pair once: 4 lanes per block pair, column sums by subgroupAdd               0.55-0.58 s
//   each pair once: 4 x 4 tiles rotated through the subgroup by shuffles             0.53 s
//   each pair once: one lane per block pair, columns read-modify-written             0.67-0.74 s
//   each pair once: workgroup-memory column sums (inner_product_loss.tiled.wgsl)      0.63-0.91 s
//   every ordered pair, the previous tiled variant (z_j staged, no column sums)       0.76-1.12 s
// On a GPU the balance is the other way (the pair's arithmetic dominates and workgroup memory
// is fast), which is what the tiled variant is for.
//
// Precision: every loss term is positive, so f32 sums lose at most about (terms) u relative:
// rows sum N / chunks terms, `total` N chunks / 256 per invocation and a tree of 8 levels.
// Loss terms are split into negatives and positives, and pos_weight multiplies the positive
// sum once per row.

#include "common/inner_product.wgsl"
#include "common/inner_product_full_row.wgsl"
#include "common/step.wgsl"
#include "common/record.wgsl"

// total_record only: the step's counter and ring slot, and the ring.
@group(0) @binding(11) var<uniform> step: Step;
@group(0) @binding(12) var<storage, read_write> history: array<Record>;

const TOTAL_WG: u32 = 256u;

override KL: bool = true;  // total: add the KL term (false: the GAE)

var<workgroup> partial: array<vec2<f32>, TOTAL_WG>;

// Vec4 k of the row of z starting at vec4 `base` (common/inner_product_pair.wgsl): from storage.
fn z_col(base: u32, k: u32) -> vec4<f32> {
  return z[base + k];
}

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
  #include "common/inner_product_registers.wgsl"
  let end = label_ptr[i + 1u];
  var p = lower_bound(label_ptr[i], end, j0);
  var next = label_at(p, end);
  var l = vec2<f32>(0.0); // (non-edge terms, edge terms)
  for (var j = j0; j < j1; j++) {
    let zc = j * D4;
    let col = j;
    #include "common/inner_product_pair.wgsl"
  }
  #include "common/inner_product_row_store.wgsl"
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

// (recon, kl) of the step, summed by the whole workgroup; every invocation must call it (barriers).
fn loss_sums(lid: u32) -> vec2<f32> {
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
  workgroupBarrier();
  return vec2<f32>(dims.scale * partial[0].x, -0.5 * dims.kl_scale * partial[0].y);
}

// One workgroup: the loss of the step.
@compute @workgroup_size(TOTAL_WG)
fn total(@builtin(local_invocation_index) lid: u32) {
  let s = loss_sums(lid);
  if (lid == 0u) { out[0] = vec4<f32>(s.x + s.y, s.x, s.y, 0.0); }
}

// `total`, and the step's record in the history ring (grad_sq is adam's grad_norm's to write).
@compute @workgroup_size(TOTAL_WG)
fn total_record(@builtin(local_invocation_index) lid: u32) {
  let s = loss_sums(lid);
  if (lid == 0u) {
    out[0] = vec4<f32>(s.x + s.y, s.x, s.y, 0.0);
    history[step.history_slot] = Record(s.x, s.y, 1u, step.t, 0.0, 0u, 0u, 0u);
  }
}
