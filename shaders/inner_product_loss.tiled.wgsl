// inner_product_loss: the graph VAE's decoder, its reconstruction loss and the gradient of the
// latent codes; workgroup-tiled variant of the `rows` entry point.
//
//   x_ij = z_i . z_j;  l_ij = y pw softplus(-x) + (1 - y) softplus(x);  g_ij = dl/dx
//   rows: loss_part[c, i] = sum_j l_ij,  dz_part[c, i] = 2 scale sum_j g_ij z_j  over chunk c
// (the math, storage, `finish` and `total` are in inner_product_loss.wgsl; the bindings here
// are identical so the wrapper binds either variant the same way).
//
// Variant: the N-body scheme for GPUs. A workgroup of WG invocations owns WG consecutive nodes
// i (z_i and the accumulator in registers) and one chunk of columns; it walks the chunk in
// tiles of TJ nodes j whose z_j are staged in workgroup memory with cooperative vec4 loads, so
// each z_j is read from storage once per workgroup instead of once per invocation, and every
// invocation of the workgroup then reads the same tile slot (a broadcast). Chunks split the
// N columns between workgroups so that a GPU gets enough of them: Cora's 2,708 nodes are only
// 43 row blocks of 64. Two barriers per tile: cheap on GPUs, slow on SwiftShader, which is
// why the register variant exists (on SwiftShader this variant costs 0.48-0.59 s of CPU time
// at Cora's shape against the register variant's 0.44 s). The tile takes TJ D4 16 bytes
// (64 x 4 x 16 = 4 KiB at L = 16); the wrapper halves TJ when a tile would not fit.

#include "common/inner_product.wgsl"

override TJ: u32 = 64u;    // columns j per staged tile

var<workgroup> tile: array<vec4<f32>, TJ * D4>;

// Vec4 k of the staged row at tile slot `base` (common/inner_product_pair.wgsl).
fn z_col(base: u32, k: u32) -> vec4<f32> {
  return tile[base + k];
}

// z_i and the accumulator live in named registers guarded by `k < D4`, as in the register
// variant (a loop-indexed array would need the compiler to unroll it to stay in registers).
@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wg.x * WG + lid;
  let live = i < dims.n;
  let c = wg.y;
  let j0 = c * dims.chunk_len;
  let j1 = min(dims.n, j0 + dims.chunk_len);
  // Rows past n read row n - 1 (in bounds) and store nothing.
  let zr = min(i, dims.n - 1u) * D4;
  #include "common/inner_product_registers.wgsl"
  var p = 0u;
  var end = 0u;
  var next = 0xffffffffu;
  if (live) {
    end = label_ptr[i + 1u];
    p = lower_bound(label_ptr[i], end, j0);
    next = label_at(p, end);
  }
  var l = vec2<f32>(0.0); // (non-edge terms, edge terms)
  // Every invocation runs every tile, live or not, so the barriers stay in uniform control flow.
  for (var t0 = j0; t0 < j1; t0 += TJ) {
    for (var q = lid; q < TJ * D4; q += WG) {
      let j = t0 + q / D4;
      var v = vec4<f32>(0.0);
      if (j < j1) { v = z[j * D4 + q % D4]; }
      tile[q] = v;
    }
    workgroupBarrier();
    if (live) {
      let count = min(TJ, j1 - t0);
      for (var jj = 0u; jj < count; jj++) {
        let zc = jj * D4;
        let col = t0 + jj;
        #include "common/inner_product_pair.wgsl"
      }
    }
    workgroupBarrier();
  }
  if (!live) { return; }
  #include "common/inner_product_row_store.wgsl"
}
