// inner_product_loss: the graph VAE's decoder, its reconstruction loss and the gradient of the
// latent codes; workgroup-tiled variant of the `rows` entry point, visiting each unordered pair
// {i, j} once (the register variants visit every ordered pair: see inner_product_loss.wgsl).
//
//   x_ij = z_i . z_j;  l_ij = y pw softplus(-x) + (1 - y) softplus(x);  g_ij = dl/dx
//   recon = scale (sum_i l_ii + 2 sum_{i<j} l_ij)        (x and y are symmetric)
//   dz_i  = 2 scale (g_ii z_i + sum_{j>i} g_ij z_j + sum_{j<i} g_ji z_j)
// (the math, storage, `finish` and `total` are in inner_product_loss.wgsl; the bindings here
// are identical so the wrapper binds either variant the same way).
//
// Blocks. Rows and columns are cut into `chunks` chunks of chunk_len nodes (a multiple of 64);
// one workgroup takes one block pair (b, c) with b <= c, the blocks on and above the diagonal,
// numbered row by row: C (C + 1) / 2 workgroups. In an off-diagonal block every pair is visited
// once; in a diagonal block the pairs j >= i. Each visit adds to both ends:
//   row role     g_ij z_j into row i's registers, stored once per pass into partial slot c
//                (dz_part[c, i], and the loss into loss_part[c, i]);
//   column role  g_ij z_i for j > i, summed over the pass's rows through workgroup memory and
//                added into partial slot b (dz_part[b, j]), which the workgroup zeroes first.
// Every (slot, row) of dz_part is written by exactly one workgroup: slot x of a row of chunk y
// is the row role of block (y, x) when x >= y and the column role of block (x, y) when x < y;
// in a diagonal block both roles meet in slot b, and both always come from the same invocation
// (columns and rows are dealt to invocations by their offset from a multiple of TJ, and passes
// and tiles start at such multiples), so no two invocations write one address and no atomics
// are needed. `finish` then sums the C slots in a fixed order, as for the full-row variants;
// loss_part[x, y] with x < y is zeroed (the loss is counted by the row role alone).
//
// Within a workgroup: TJ invocations; the block's rows go by in passes of TJ (one row per
// invocation: z_i and its accumulator in registers), its columns in tiles of TJ whose z_j are
// staged in workgroup memory (each z_j read from storage once per pass of the workgroup), the
// pass's rows too, for the column phase. Per tile: every invocation runs its row against the TJ
// columns (the pair terms, g into the gt tile), a barrier, then invocation t sums column t:
// sum_r g[r, t] z_r (TJ x D4 multiply-adds from workgroup memory), adds it into slot b, and a
// barrier. The transcendental terms and the dot product, the bulk of a pair's work on a GPU,
// are paid once per unordered pair instead of twice; the column phase costs TJ D4 multiply-adds
// per tile column, as much as the row role's accumulation. Memory: TJ D4 16 bytes for each of
// the two staged tiles plus TJ^2 4 bytes for gt (32 x 4 x 16 x 2 + 4 KiB = 8 KiB at L = 16);
// the wrapper halves TJ until they fit the device's workgroup storage.
//
// On SwiftShader this variant is not used: its barriers and workgroup-memory traffic cost more
// than the halved terms save there (see inner_product_loss.wgsl's header).

#include "common/inner_product.wgsl"

override TJ: u32 = 32u;    // the workgroup size: rows per pass and columns per tile

var<workgroup> zt: array<vec4<f32>, TJ * D4>;  // the tile's columns z_j
var<workgroup> zp: array<vec4<f32>, TJ * D4>;  // the pass's rows z_i
var<workgroup> gt: array<f32, TJ * TJ>;        // g of the tile's pairs, [row][column]

// Whether this workgroup's block is on the diagonal (the row role then adds to what the column
// role left in the same slot). Control flow uses a local copy: a private read is not uniform.
var<private> diagonal: bool;

// Vec4 k of the staged column at tile slot `base` (common/inner_product_dot.wgsl).
fn z_col(base: u32, k: u32) -> vec4<f32> {
  return zt[base + k];
}

// The row role's store (common/inner_product_store.wgsl).
fn store_gradient(index: u32, value: vec4<f32>) {
  if (diagonal) {
    dz_part[index] += value;
  } else {
    dz_part[index] = value;
  }
}

// z_i and the accumulator live in named registers guarded by `k < D4`, as in the register
// variant (a loop-indexed array would need the compiler to unroll it to stay in registers).
@compute @workgroup_size(TJ)
fn rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // Block pair (b, c), b <= c, numbered row by row of the upper triangle.
  var b = 0u;
  var rest = wg.x;
  while (rest >= dims.chunks - b) {
    rest -= dims.chunks - b;
    b++;
  }
  let c = b + rest;
  let diag = b == c;
  diagonal = diag;
  let i0 = b * dims.chunk_len;
  let i1 = min(dims.n, i0 + dims.chunk_len);
  let j0 = c * dims.chunk_len;
  let j1 = min(dims.n, j0 + dims.chunk_len);
  let f = 2.0 * dims.scale;
  // The column role's slot b starts at zero; off the diagonal its loss slot stays zero.
  for (var j = j0 + lid; j < j1; j += TJ) {
    let o = b * dims.n_pad + j;
    if (!diag) { loss_part[o] = 0.0; }
    for (var k = 0u; k < D4; k++) { dz_part[o * D4 + k] = vec4<f32>(0.0); }
  }
  for (var ib = i0; ib < i1; ib += TJ) {
    let i = ib + lid;
    let live = i < i1;
    // Rows past the block read row i1 - 1 (in bounds) and contribute nothing.
    let zr = min(i, i1 - 1u) * D4;
    #include "common/inner_product_registers.wgsl"
    // The previous pass's column phase is done with zp.
    workgroupBarrier();
    for (var k = 0u; k < D4; k++) { zp[lid * D4 + k] = z[zr + k]; }
    // In a diagonal block the pass's columns start at its first row (pairs j >= i).
    let js = select(j0, ib, diag);
    var p = 0u;
    var end = 0u;
    var next = 0xffffffffu;
    if (live) {
      end = label_ptr[i + 1u];
      p = lower_bound(label_ptr[i], end, js);
      next = label_at(p, end);
    }
    var l = vec2<f32>(0.0); // (non-edge terms, edge terms), weighted 2 off the diagonal
    // Every invocation runs every tile, so the barriers stay in uniform control flow.
    for (var t0 = js; t0 < j1; t0 += TJ) {
      let jt = t0 + lid;
      for (var k = 0u; k < D4; k++) {
        var v = vec4<f32>(0.0);
        if (jt < j1) { v = z[jt * D4 + k]; }
        zt[lid * D4 + k] = v;
      }
      workgroupBarrier();
      let count = min(TJ, j1 - t0);
      for (var jj = 0u; jj < count; jj++) {
        let zc = jj * D4;
        let col = t0 + jj;
        #include "common/inner_product_dot.wgsl"
        let edge = col == next;
        if (edge) {
          p++;
          next = label_at(p, end);
        }
        let t = pair_terms(d.x + d.y + d.z + d.w, edge);
        let on = live && col >= i;
        l += select(0.0, select(2.0, 1.0, col == i), on) * t.xy;
        let g = select(0.0, select(t.z, dims.pos_weight * t.z, edge), on);
        #include "common/inner_product_accumulate.wgsl"
        gt[lid * TJ + jj] = select(g, 0.0, col == i);
      }
      workgroupBarrier();
      // The column phase: invocation lid adds column t0 + lid's share of this pass into slot b.
      if (lid < count) {
        let o = (b * dims.n_pad + t0 + lid) * D4;
        for (var k = 0u; k < D4; k++) {
          var s = vec4<f32>(0.0);
          for (var r = 0u; r < TJ; r++) { s += gt[r * TJ + lid] * zp[r * D4 + k]; }
          dz_part[o + k] += f * s;
        }
      }
    }
    if (live) {
      let o = c * dims.n_pad + i;
      loss_part[o] = l.x + dims.pos_weight * l.y;
      let zo = o * D4;
      #include "common/inner_product_store.wgsl"
    }
  }
}
