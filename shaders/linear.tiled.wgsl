// linear: a dense layer's three matrix products, workgroup-tiled variant.
//
//   forward          Y[M,N]  = act(X[M,K] . W[N,K]^T + b[N])          M = rows, K = in,  N = out
//   backward_input   dX[M,N] = (dY[M,K] . W[K,N]) * [H[M,N] > 0]       M = rows, K = out, N = in
//   backward_weight  dW[M,N] = dY[K,M]^T . X[K,N];  db[M] = sum_k dY[k,M]   M = out, K = rows, N = in
//
// Storage: every matrix is row-major with rows and columns padded to multiples of 4 and the
// padding kept at zero, so every vec4 at a multiple of 4 inside the padded sizes is in the buffer
// and padded terms add zeros. The runtime passes padded sizes. M, N and K are not multiples of
// the tile, so tile loads outside the matrix stage zeros and out-of-range blocks are not stored.
//
// Variant: a workgroup of WG_X x WG_Y invocations computes a (4 WG_Y) x (4 WG_X) tile of C, each
// invocation a 4x4 block (4 rows, one vec4 of columns). K is walked in slices of BK = 16: the
// workgroup copies the A slice ((4 WG_Y) x BK) and the B slice (BK x (4 WG_X)) into workgroup
// memory with cooperative vec4 loads, then every invocation does BK rank-1 updates of its block
// from there. Each global element is loaded once per workgroup instead of once per invocation
// row or column block (16x fewer global loads at 16x16), at the price of two barriers per slice:
// cheap on real GPUs, slow on SwiftShader, which is why linear.wgsl exists for that adapter.
// At WG_X = WG_Y = 16 the tile is 64x64 and the slices take 2 x 64 x 16 x 4 B = 8 KiB.
//
// Both slices are stored k-major as vec4s, As[k][m/4] and Bs[k][n/4], so the inner step reads
// one vec4 of A (the block's 4 rows at k) and one of B (its 4 columns at k) and forms their outer
// product. Operands whose K is contiguous in storage (X and W in forward, dY in backward_input)
// are transposed while staging; the others are copied row by row.
//
// Declarations and bindings are common/linear.wgsl, shared with the other variant.

#include "common/linear.wgsl"

#include "common/tile.wgsl"

// Stage A[row0 .. row0 + 4 WG_Y, k0 .. k0 + BK) from a matrix with K contiguous (rows x K,
// stride lda): each vec4 holds 4 consecutive k of one row and is scattered into 4 slots of As.
fn stage_a_transposed(lid: u32, row0: u32, rows: u32, k0: u32) {
  for (var i = lid; i < BK * WG_Y; i += WG_X * WG_Y) {
    let r = i / (BK / 4u);            // tile row; neighbouring invocations read one row's vec4s
    let kq = i % (BK / 4u);
    let k = k0 + kq * 4u;
    var v = vec4<f32>(0.0);
    if (row0 + r < rows && k < dims.K) { v = a[(row0 + r) * dims.lda + k / 4u]; }
    let s = kq * 4u * WG_Y + r / 4u;
    As[s][r % 4u] = v.x;
    As[s + WG_Y][r % 4u] = v.y;
    As[s + 2u * WG_Y][r % 4u] = v.z;
    As[s + 3u * WG_Y][r % 4u] = v.w;
  }
}

// The same for B with K contiguous (forward's W, stored [N, K]), into Bs.
fn stage_b_transposed(lid: u32, col0: u32, cols: u32, k0: u32) {
  for (var i = lid; i < BK * WG_X; i += WG_X * WG_Y) {
    let r = i / (BK / 4u);
    let kq = i % (BK / 4u);
    let k = k0 + kq * 4u;
    var v = vec4<f32>(0.0);
    if (col0 + r < cols && k < dims.K) { v = b[(col0 + r) * dims.ldb + k / 4u]; }
    let s = kq * 4u * WG_X + r / 4u;
    Bs[s][r % 4u] = v.x;
    Bs[s + WG_X][r % 4u] = v.y;
    Bs[s + 2u * WG_X][r % 4u] = v.z;
    Bs[s + 3u * WG_X][r % 4u] = v.w;
  }
}

// Stage A[k0 .. k0 + BK, 4 c40 .. 4 (c40 + WG_Y)) from a matrix stored [K, M] (backward_weight's
// dY): rows of the slice are already k-major, so vec4s are copied as they are.
fn stage_a_rows(lid: u32, c40: u32, cols: u32, k0: u32) {
  for (var i = lid; i < BK * WG_Y; i += WG_X * WG_Y) {
    let k = k0 + i / WG_Y;
    let c4 = c40 + i % WG_Y;
    var v = vec4<f32>(0.0);
    if (k < dims.K && c4 * 4u < cols) { v = a[k * dims.lda + c4]; }
    As[i] = v;
  }
}

// The same for B stored [K, N] (backward_input's W, backward_weight's X), into Bs.
fn stage_b_rows(lid: u32, c40: u32, cols: u32, k0: u32) {
  for (var i = lid; i < BK * WG_X; i += WG_X * WG_Y) {
    let k = k0 + i / WG_X;
    let c4 = c40 + i % WG_X;
    var v = vec4<f32>(0.0);
    if (k < dims.K && c4 * 4u < cols) { v = b[k * dims.ldb + c4]; }
    Bs[i] = v;
  }
}

// Y = X . W^T: both operands have K contiguous and are transposed while staging.
@compute @workgroup_size(WG_X, WG_Y)
fn forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let row0 = wg.y * WG_Y * 4u;
  let col0 = wg.x * WG_X * 4u;
  var acc = array<vec4<f32>, 4>();
  // Every invocation runs every slice, in range or not, so the barriers stay in uniform control flow.
  for (var k0 = 0u; k0 < dims.K; k0 += BK) {
    stage_a_transposed(lid, row0, dims.M, k0);
    stage_b_transposed(lid, col0, dims.N, k0);
    workgroupBarrier();
    multiply_slice(l.x, l.y, &acc);
    workgroupBarrier();
  }
  let n4 = wg.x * WG_X + l.x;
  let m0 = row0 + l.y * 4u;
  // M is a multiple of 4, so a block whose first row is in range is wholly in range.
  if (n4 * 4u >= dims.N || m0 >= dims.M) { return; }
  let bv = bias[n4];
  for (var r = 0u; r < 4u; r++) {
    var y = acc[r] + bv;
    y = live_columns(activate4(y), n4 * 4u, dims.live_n);
    // Padded columns of W and b are zero, so padded columns of Y stay zero.
    c[(m0 + r) * dims.ldc + n4] = y;
  }
}

// dX = dY . W: dY has K contiguous (transposed while staging), W is [K, N] (copied).
@compute @workgroup_size(WG_X, WG_Y)
fn backward_input(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let row0 = wg.y * WG_Y * 4u;
  var acc = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < dims.K; k0 += BK) {
    stage_a_transposed(lid, row0, dims.M, k0);
    stage_b_rows(lid, wg.x * WG_X, dims.N, k0);
    workgroupBarrier();
    multiply_slice(l.x, l.y, &acc);
    workgroupBarrier();
  }
  let n4 = wg.x * WG_X + l.x;
  let m0 = row0 + l.y * 4u;
  if (n4 * 4u >= dims.N || m0 >= dims.M) { return; }
  for (var r = 0u; r < 4u; r++) {
    let i = (m0 + r) * dims.ldc + n4;
    // An activation of the product (the graph VAE's GCN layers use this entry as a forward
    // product), then the previous layer's activation backward, fused: H is this layer's input, its output.
    var g = live_columns(activate4(acc[r]), n4 * 4u, dims.live_n);
    if (MASK_ACT != ACT_NONE) { g = masked4(g, mask[i]); }
    c[i] = g;
  }
}

// dW = dY^T . X: both operands have K (the batch rows) as the outer index and are copied as
// they are; each k is a rank-1 update dy[k, m..m+3] outer x[k, n..n+3]. The invocations of the
// matrix's first column block also sum the staged dy over k, which is the bias gradient.
@compute @workgroup_size(WG_X, WG_Y)
fn backward_weight(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let owns_bias = wg.x == 0u && l.x == 0u;
  var acc = array<vec4<f32>, 4>();
  var bsum = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < dims.K; k0 += BK) {
    stage_a_rows(lid, wg.y * WG_Y, dims.M, k0);
    stage_b_rows(lid, wg.x * WG_X, dims.N, k0);
    workgroupBarrier();
    multiply_slice(l.x, l.y, &acc);
    if (owns_bias) {
      for (var k = 0u; k < BK; k++) { bsum += As[k * WG_Y + l.y]; }
    }
    workgroupBarrier();
  }
  let n4 = wg.x * WG_X + l.x;
  let m4 = wg.y * WG_Y + l.y;
  if (n4 * 4u >= dims.N || m4 * 4u >= dims.M) { return; }
  let c0 = m4 * 4u * dims.ldc + n4;
  c[c0] = acc[0];
  c[c0 + dims.ldc] = acc[1];
  c[c0 + 2u * dims.ldc] = acc[2];
  c[c0 + 3u * dims.ldc] = acc[3];
  if (owns_bias) { dbias[m4] = bsum; }
}
