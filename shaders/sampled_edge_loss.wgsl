// sampled_edge_loss: the graph VAE's sampled decoder (PyTorch Geometric's GAE.recon_loss): its
// loss and the gradient of the latent codes over the training edges and a fresh set of uniformly
// drawn negative pairs per epoch, in O((E + M) L) work and O(N L) memory.
//
//   x_ij  = z_i . z_j
//   recon = pos_scale sum_{edges (i, j)} softplus(-x_ij) + neg_scale sum_{live slots (i, j)} softplus(x_ij)
//   dz_k  = pos_scale sum_{j in N(k)} -sigmoid(-x_kj) z_j + neg_scale sum_{live slots with k} sigmoid(x) z_other
// pos_scale = 1 / E (E undirected training edges), neg_scale = 1 / (M (1 - p)) (see
// src/graph/negative_sampler.ts: the M = K E slots, why a slot that is an entry of A_train + I
// is masked rather than redrawn, and why that weight makes the negative term unbiased).
//
// Slots: slot s = r N + a of epoch t pairs (pi1_r(a), pi2_r(a)), two keyed permutations of
// [0, N) per round r (common/permutation.wgsl) whose keys are Philox words at counter (r, t,
// which, 0) under (seed, stream). Node k is the first endpoint of slot r N + pi1_r^-1(k) and the
// second of r N + pi2_r^-1(k) when those positions fall inside round r (a partial last round has
// M - r N slots), so every node walks its own slots:
//
// Entry points:
//   round_keys_of_epoch
//          the epoch's permutation keys, once: keys[2 r + which] for round r (which 0: first
//          endpoints, 1: second), so that `rows` reads them instead of every node running Philox
//          twice per round (a third of `rows`' time on SwiftShader at 250,000 nodes)
//   rows   one invocation per node k: its two slots per round and its edges (its row of the
//          labels, the self entry skipped); the terms and g z_other into registers (as the exact
//          decoder's rows: common/inner_product_*.wgsl); writes dz_k and loss_part[k], the node's
//          share of recon (each edge counted half at each end, each slot at its first endpoint).
//          Every pair is computed at both ends, so no gradient is ever added to another node's
//          row: no atomics, no sorting, no partial buffers. inner_product_loss.wgsl's `total`
//          (or `total_record`) then sums loss_part and the KL rows into (loss, recon, kl).
//          (step and keys are round_keys_of_epoch's bindings, keys_in is rows'.)
//   pairs_of_epochs
//          the raw pairs of `epochs` epochs from step.t, for tests and for looking at the sampler:
//          pairs[2 (e M + s)], pairs[2 (e M + s) + 1] = slot s of epoch step.t + e.
//
// Work per epoch: 2 E + 2 M pair visits of 4 L flops each, 2 M + 2 M permutation evaluations
// (inverse, then forward) of FEISTEL_ROUNDS hash rounds, 2M label lookups (binary searches), and
// 2 ceil(M / N) Philox blocks for the keys.
//
// Variant: registers, no workgroup memory, no barriers: the visits of one node are a short serial
// loop (its degree plus 2 per round), and nodes are independent.

#include "common/philox.wgsl"
#include "common/permutation.wgsl"
#include "common/pair_terms.wgsl"
#include "common/step.wgsl"

struct Dims {
  n: u32,           // nodes N
  slots: u32,       // negative slots M = K E
  rounds: u32,      // ceil(M / N)
  stream: u32,      // Philox key word 1 of the negatives (STREAM_NEGATIVES)
  left_bits: u32,   // the permutations' halves
  right_bits: u32,
  epochs: u32,      // `pairs`: epochs written from step.t
  _pad: u32,
  pos_scale: f32,   // 1 / E
  neg_scale: f32,   // 1 / (M (1 - p))
  _pad1: u32,
  _pad2: u32,
}

override D4: u32 = 4u;   // vec4s per row of z (L padded to 4, over 4); at most MAX_D4 of inner_product.wgsl
override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> step: Step;  // keys, pairs_of_epochs
@group(0) @binding(2) var<storage, read> z: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> label_ptr: array<u32>;
@group(0) @binding(4) var<storage, read> label_idx: array<u32>;
@group(0) @binding(5) var<storage, read_write> loss_part: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> keys_in: array<vec4<u32>>;
@group(0) @binding(8) var<storage, read_write> keys: array<vec4<u32>>;
@group(0) @binding(9) var<storage, read_write> pairs: array<u32>;

#include "common/labels.wgsl"

// Vec4 k of the row of z starting at vec4 `base` (common/inner_product_dot.wgsl).
fn z_col(base: u32, k: u32) -> vec4<f32> {
  return z[base + k];
}

// common/inner_product_store.wgsl: node k's gradient goes straight to dz.
fn store_gradient(index: u32, value: vec4<f32>) {
  dz[index] = value;
}

// The keys of permutation `which` (0: first endpoints, 1: second) of round r at epoch t.
fn round_keys(t: u32, r: u32, which: u32) -> vec4<u32> {
  return philox4x32_10(vec4<u32>(r, t, which, 0u), vec2<u32>(step.seed, dims.stream));
}

fn permute(x: u32, keys: vec4<u32>) -> u32 {
  return permute_walk(x, keys, dims.n, dims.left_bits, dims.right_bits, false);
}

fn unpermute(y: u32, keys: vec4<u32>) -> u32 {
  return permute_walk(y, keys, dims.n, dims.left_bits, dims.right_bits, true);
}

// Whether (i, j) is an entry of A_train + I: a training edge or i = j.
fn is_label(i: u32, j: u32) -> bool {
  let end = label_ptr[i + 1u];
  return label_at(lower_bound(label_ptr[i], end, j), end) == j;
}

const SKIP: u32 = 0u;
const EDGE: u32 = 1u;
const FIRST: u32 = 2u;   // a negative slot whose first endpoint is this node
const SECOND: u32 = 3u;  // a negative slot whose second endpoint is this node

@compute @workgroup_size(WG)
fn round_keys_of_epoch(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= 2u * dims.rounds) { return; }
  keys[q] = round_keys(step.t, q / 2u, q & 1u);
}

@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  // The grid may be 2-D when a 1-D one would pass the device's per-dimension limit.
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= dims.n) { return; }
  let zr = i * D4;
  #include "common/inner_product_registers.wgsl"
  let p0 = label_ptr[i];
  let degree = label_ptr[i + 1u] - p0;
  var k1 = vec4<u32>(0u);
  var k2 = vec4<u32>(0u);
  var l = vec2<f32>(0.0); // (negatives at their first endpoint, edges)
  // The slots first: every node has 2 per round, so the lanes of a SIMD group or warp run this
  // expensive part (permutations, a label search) together; then the edges, whose count varies.
  let slot_visits = 2u * dims.rounds;
  for (var q = 0u; q < slot_visits + degree; q++) {
    var col = i;
    var kind = SKIP;
    if (q < slot_visits) {
      let r = q / 2u;
      let second = (q & 1u) == 1u;
      if (!second) {
        k1 = keys_in[2u * r];
        k2 = keys_in[2u * r + 1u];
      }
      let in_round = min(dims.n, dims.slots - r * dims.n);
      let a = unpermute(i, select(k1, k2, second));
      if (a < in_round) {
        col = permute(a, select(k2, k1, second));
        kind = select(FIRST, SECOND, second);
        if (is_label(i, col)) { kind = SKIP; }
      }
    } else {
      col = label_idx[p0 + q - slot_visits];
      kind = select(EDGE, SKIP, col == i);
    }
    if (kind == SKIP) { continue; }
    let zc = col * D4;
    #include "common/inner_product_dot.wgsl"
    let edge = kind == EDGE;
    let t = pair_terms(d.x + d.y + d.z + d.w, edge);
    l += vec2<f32>(select(0.0, t.x, kind == FIRST), t.y);
    let g = select(dims.neg_scale, dims.pos_scale, edge) * t.z;
    #include "common/inner_product_accumulate.wgsl"
  }
  loss_part[i] = dims.neg_scale * l.x + 0.5 * dims.pos_scale * l.y;
  let f = 1.0;
  let zo = zr;
  #include "common/inner_product_store.wgsl"
}

@compute @workgroup_size(WG)
fn pairs_of_epochs(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x;
  if (s >= dims.slots || gid.y >= dims.epochs) { return; }
  let r = s / dims.n;
  let a = s - r * dims.n;
  let t = step.t + gid.y;
  let o = 2u * (gid.y * dims.slots + s);
  pairs[o] = permute(a, round_keys(t, r, 0u));
  pairs[o + 1u] = permute(a, round_keys(t, r, 1u));
}
