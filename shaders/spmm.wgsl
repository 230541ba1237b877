// spmm: a sparse matrix in CSR times a dense matrix, with an optional fused activation or mask.
//
//   forward   C[R, D] = act(A[R, K] . B[K, D]) * act'(M[R, D])     (either optional)
//
// The graph VAE's products: Â (X W) and Â H (A = Â, the normalised adjacency), X W0 for sparse
// features (A = X), and every backward product: Â is symmetric, so Â^T dY is this same entry
// with A = Â, and the weight gradient X^T G is this entry with the transposed CSR of X. MASK_ACT
// multiplies by the derivative of an activation whose output is M: back-propagation through it fused.
//
// Storage: A is row_ptr (R + 1 offsets), col_idx and values (one per stored entry). B, M and C
// are row-major with columns padded to a multiple of 4 (ld vec4s per row) and the padding
// kept at zero, so every load is an aligned vec4 and padded columns of C come out zero. C's
// rows are padded to a multiple of 4 and the padded rows are written as zeros.
//
// Variant: one invocation per (row, vec4 of columns), columns fastest: the invocations of a row
// sit side by side in a SwiftShader 4-lane group or a GPU warp, loop the same number of times
// and read the same index and value. No workgroup memory and no barriers, which suits both
// SwiftShader and GPUs here: the products are small next to the decoder's N^2 (Cora: 13,264
// entries of Â and 49,216 of X, times 8 vec4s).

struct Dims {
  rows: u32,        // R: rows of A (logical)
  padded_rows: u32, // rows of C written (R rounded up to 4)
  ld: u32,          // vec4s per row of B, M and C
  live: u32,        // logical columns of C (padded ones stay zero, see live_columns)
}

override WG: u32 = 64;
// ACT: C = act(.); MASK_ACT: C *= act'(M), M that activation's output.
#include "common/activation.wgsl"

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(2) var<storage, read> col_idx: array<u32>;
@group(0) @binding(3) var<storage, read> values: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> mask: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> c: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  // The grid may be 2-D when a 1-D one would pass the device's per-dimension limit.
  let idx = gid.x + gid.y * groups.x * WG;
  let r = idx / dims.ld;
  let c4 = idx % dims.ld;
  if (r >= dims.padded_rows) { return; }
  var acc = vec4<f32>(0.0);
  if (r < dims.rows) {
    let end = row_ptr[r + 1u];
    for (var p = row_ptr[r]; p < end; p++) {
      acc += values[p] * b[col_idx[p] * dims.ld + c4];
    }
  }
  acc = live_columns(activate4(acc), c4 * 4u, dims.live);
  let i = r * dims.ld + c4;
  if (MASK_ACT != ACT_NONE) { acc = masked4(acc, mask[i]); }
  c[i] = acc;
}
