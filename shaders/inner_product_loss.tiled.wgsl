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
        let tc = jj * D4;
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
        if (0u < D4) { z0 = tile[tc + 0u]; d += zi0 * z0; }
        if (1u < D4) { z1 = tile[tc + 1u]; d += zi1 * z1; }
        if (2u < D4) { z2 = tile[tc + 2u]; d += zi2 * z2; }
        if (3u < D4) { z3 = tile[tc + 3u]; d += zi3 * z3; }
        if (4u < D4) { z4 = tile[tc + 4u]; d += zi4 * z4; }
        if (5u < D4) { z5 = tile[tc + 5u]; d += zi5 * z5; }
        if (6u < D4) { z6 = tile[tc + 6u]; d += zi6 * z6; }
        if (7u < D4) { z7 = tile[tc + 7u]; d += zi7 * z7; }
        if (8u < D4) { z8 = tile[tc + 8u]; d += zi8 * z8; }
        if (9u < D4) { z9 = tile[tc + 9u]; d += zi9 * z9; }
        if (10u < D4) { z10 = tile[tc + 10u]; d += zi10 * z10; }
        if (11u < D4) { z11 = tile[tc + 11u]; d += zi11 * z11; }
        if (12u < D4) { z12 = tile[tc + 12u]; d += zi12 * z12; }
        if (13u < D4) { z13 = tile[tc + 13u]; d += zi13 * z13; }
        if (14u < D4) { z14 = tile[tc + 14u]; d += zi14 * z14; }
        if (15u < D4) { z15 = tile[tc + 15u]; d += zi15 * z15; }
        let edge = t0 + jj == next;
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
    }
    workgroupBarrier();
  }
  if (!live) { return; }
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
