// inner_product_loss: the graph VAE's decoder, its reconstruction loss and the gradient of the
// latent codes; the register variant of the `rows` entry point with z_j shared through the
// subgroup, for latent sizes up to 16 (D4 <= 4) on devices with the `subgroups` feature.
//
//   x_ij = z_i . z_j;  l_ij = y pw softplus(-x) + (1 - y) softplus(x);  g_ij = dl/dx
//   rows: loss_part[c, i] = sum_j l_ij,  dz_part[c, i] = 2 scale sum_j g_ij z_j  over chunk c
// (the math, storage, `finish` and `total` are in inner_product_loss.wgsl; the bindings here
// are identical so the wrapper binds either variant the same way).
//
// Variant: as inner_product_loss.wgsl's `rows` (z_i and its accumulator in registers, no
// workgroup memory, no barriers), except for how z_j arrives. Every invocation of a subgroup
// walks the same columns j at the same time, so instead of each loading all D4 vec4s of z_j,
// invocation s loads vec4 min(s, D4 - 1) and the others take it with subgroupShuffle: one
// storage load per invocation and pair instead of D4. A subgroup has at least 4 invocations
// (WebGPU's smallest subgroup size), which covers D4 <= 4. On SwiftShader (subgroups of 4, one
// per 4-lane SIMD group, and a bounds-checked gather per storage load) this takes 0.35 s of
// CPU time at Cora's shape against the plain register variant's 0.46 s (measured on the
// shared 2-core machine, same load). The shuffles need uniform control flow: no invocation
// returns early (rows past N compute a clamped row and do not store), and the columns come
// from the workgroup id.

enable subgroups;

#include "common/inner_product.wgsl"
#include "common/inner_product_full_row.wgsl"

// The vec4 of z_j this invocation loaded for its subgroup.
var<private> mine: vec4<f32>;

// Vec4 k of z_j (common/inner_product_pair.wgsl): invocation k of the subgroup loaded it.
fn z_col(base: u32, k: u32) -> vec4<f32> {
  return subgroupShuffle(mine, k);
}

@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let live = gid.x < dims.n;
  let i = min(gid.x, dims.n - 1u);
  let c = wid.y;
  let j0 = c * dims.chunk_len;
  let j1 = min(dims.n, j0 + dims.chunk_len);
  let zr = i * D4;
  #include "common/inner_product_registers.wgsl"
  let end = label_ptr[i + 1u];
  var p = lower_bound(label_ptr[i], end, j0);
  var next = label_at(p, end);
  var l = vec2<f32>(0.0); // (non-edge terms, edge terms)
  let own = min(sid, D4 - 1u);
  for (var j = j0; j < j1; j++) {
    let zc = j * D4;
    mine = z[zc + own];
    let col = j;
    #include "common/inner_product_pair.wgsl"
  }
  if (live) {
    #include "common/inner_product_row_store.wgsl"
  }
}
