// linear: a dense layer's three matrix products, register-blocked variant.
//
//   forward          Y[M,N]  = act(X[M,K] . W[N,K]^T + b[N])          M = rows, K = in,  N = out
//   backward_input   dX[M,N] = (dY[M,K] . W[K,N]) * [H[M,N] > 0]       M = rows, K = out, N = in
//   backward_weight  dW[M,N] = dY[K,M]^T . X[K,N];  db[M] = sum_k dY[k,M]   M = out, K = rows, N = in
//
// Storage: every matrix is row-major with rows and columns padded to multiples of 4 and the
// padding kept at zero, so every load below is an aligned vec4 inside the buffer and padded
// terms add zeros: no bounds checks inside the K loops. The runtime passes padded sizes.
//
// Variant: no workgroup memory and no barriers (SwiftShader runs barriers as coroutine switches;
// linear.tiled.wgsl is the variant for real GPUs). Each invocation loads vec4s straight from
// storage into a tall block of accumulators: 16 rows x 4 columns in forward and backward_input,
// where the 4x4 block of W loaded per K step is reused by 16 rows (8 vec4 loads per 64 scalar
// multiply-adds at 4x4 took 1.45 GFLOP/s on SwiftShader at 128x784x400; 20 per 256 at 16x4, 2.0),
// and 8x8 in backward_weight (1.2 -> 1.6). Rows of the last block past M reuse row M-1 (clamped
// loads) and are not stored, so M needs only the padding to 4.
//
// Declarations and bindings are common/linear.wgsl, shared with the other variant.

#include "common/linear.wgsl"

// Y = X . W^T: both operands have K contiguous. Per K step the 4x4 block of W (4 rows, 4 k's)
// forms a matrix whose columns are W's rows; a row vector x_r[k..k+3] times it gives
// sum_k x_rk w_ck in component c, for each of the block's 16 rows.
@compute @workgroup_size(WG_X, WG_Y)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n4 = gid.x;
  let m0 = gid.y * 16u;
  if (n4 * 4u >= dims.N || m0 >= dims.M) { return; }
  let last = dims.M - 1u;
  let a0 = min(m0 + 0u, last) * dims.lda;
  let a1 = min(m0 + 1u, last) * dims.lda;
  let a2 = min(m0 + 2u, last) * dims.lda;
  let a3 = min(m0 + 3u, last) * dims.lda;
  let a4 = min(m0 + 4u, last) * dims.lda;
  let a5 = min(m0 + 5u, last) * dims.lda;
  let a6 = min(m0 + 6u, last) * dims.lda;
  let a7 = min(m0 + 7u, last) * dims.lda;
  let a8 = min(m0 + 8u, last) * dims.lda;
  let a9 = min(m0 + 9u, last) * dims.lda;
  let a10 = min(m0 + 10u, last) * dims.lda;
  let a11 = min(m0 + 11u, last) * dims.lda;
  let a12 = min(m0 + 12u, last) * dims.lda;
  let a13 = min(m0 + 13u, last) * dims.lda;
  let a14 = min(m0 + 14u, last) * dims.lda;
  let a15 = min(m0 + 15u, last) * dims.lda;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var acc8 = vec4<f32>(0.0);
  var acc9 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0);
  var acc11 = vec4<f32>(0.0);
  var acc12 = vec4<f32>(0.0);
  var acc13 = vec4<f32>(0.0);
  var acc14 = vec4<f32>(0.0);
  var acc15 = vec4<f32>(0.0);
  let b0 = n4 * 4u * dims.ldb;
  for (var k4 = 0u; k4 < dims.K / 4u; k4++) {
    let w = mat4x4<f32>(b[b0 + k4], b[b0 + dims.ldb + k4], b[b0 + 2u * dims.ldb + k4], b[b0 + 3u * dims.ldb + k4]);
    acc0 += a[a0 + k4] * w;
    acc1 += a[a1 + k4] * w;
    acc2 += a[a2 + k4] * w;
    acc3 += a[a3 + k4] * w;
    acc4 += a[a4 + k4] * w;
    acc5 += a[a5 + k4] * w;
    acc6 += a[a6 + k4] * w;
    acc7 += a[a7 + k4] * w;
    acc8 += a[a8 + k4] * w;
    acc9 += a[a9 + k4] * w;
    acc10 += a[a10 + k4] * w;
    acc11 += a[a11 + k4] * w;
    acc12 += a[a12 + k4] * w;
    acc13 += a[a13 + k4] * w;
    acc14 += a[a14 + k4] * w;
    acc15 += a[a15 + k4] * w;
  }
  let bv = bias[n4];
  let out = array<vec4<f32>, 16>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7, acc8, acc9, acc10, acc11, acc12, acc13, acc14, acc15);
  for (var r = 0u; r < 16u && m0 + r <= last; r++) {
    var y = out[r] + bv;
    y = live_columns(activate4(y), n4 * 4u, dims.live_n);
    // Padded columns of W and b are zero, so padded columns of Y stay zero.
    c[(m0 + r) * dims.ldc + n4] = y;
  }
}

// dX = dY . W: A has K contiguous, B has N contiguous. Four rows of B (k..k+3) form a matrix
// whose columns are those rows; times the vector dy_r[k..k+3] it accumulates sum_k dy_rk w_k.
@compute @workgroup_size(WG_X, WG_Y)
fn backward_input(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n4 = gid.x;
  let m0 = gid.y * 16u;
  if (n4 * 4u >= dims.N || m0 >= dims.M) { return; }
  let last = dims.M - 1u;
  let a0 = min(m0 + 0u, last) * dims.lda;
  let a1 = min(m0 + 1u, last) * dims.lda;
  let a2 = min(m0 + 2u, last) * dims.lda;
  let a3 = min(m0 + 3u, last) * dims.lda;
  let a4 = min(m0 + 4u, last) * dims.lda;
  let a5 = min(m0 + 5u, last) * dims.lda;
  let a6 = min(m0 + 6u, last) * dims.lda;
  let a7 = min(m0 + 7u, last) * dims.lda;
  let a8 = min(m0 + 8u, last) * dims.lda;
  let a9 = min(m0 + 9u, last) * dims.lda;
  let a10 = min(m0 + 10u, last) * dims.lda;
  let a11 = min(m0 + 11u, last) * dims.lda;
  let a12 = min(m0 + 12u, last) * dims.lda;
  let a13 = min(m0 + 13u, last) * dims.lda;
  let a14 = min(m0 + 14u, last) * dims.lda;
  let a15 = min(m0 + 15u, last) * dims.lda;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var acc8 = vec4<f32>(0.0);
  var acc9 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0);
  var acc11 = vec4<f32>(0.0);
  var acc12 = vec4<f32>(0.0);
  var acc13 = vec4<f32>(0.0);
  var acc14 = vec4<f32>(0.0);
  var acc15 = vec4<f32>(0.0);
  for (var k4 = 0u; k4 < dims.K / 4u; k4++) {
    let bk = k4 * 4u * dims.ldb + n4;
    let w = mat4x4<f32>(b[bk], b[bk + dims.ldb], b[bk + 2u * dims.ldb], b[bk + 3u * dims.ldb]);
    acc0 += w * a[a0 + k4];
    acc1 += w * a[a1 + k4];
    acc2 += w * a[a2 + k4];
    acc3 += w * a[a3 + k4];
    acc4 += w * a[a4 + k4];
    acc5 += w * a[a5 + k4];
    acc6 += w * a[a6 + k4];
    acc7 += w * a[a7 + k4];
    acc8 += w * a[a8 + k4];
    acc9 += w * a[a9 + k4];
    acc10 += w * a[a10 + k4];
    acc11 += w * a[a11 + k4];
    acc12 += w * a[a12 + k4];
    acc13 += w * a[a13 + k4];
    acc14 += w * a[a14 + k4];
    acc15 += w * a[a15 + k4];
  }
  let out = array<vec4<f32>, 16>(acc0, acc1, acc2, acc3, acc4, acc5, acc6, acc7, acc8, acc9, acc10, acc11, acc12, acc13, acc14, acc15);
  for (var r = 0u; r < 16u && m0 + r <= last; r++) {
    let i = (m0 + r) * dims.ldc + n4;
    // An activation of the product (the graph VAE's GCN layers use this entry as a forward
    // product), then the previous layer's activation backward, fused: H is this layer's input, its output.
    var g = live_columns(activate4(out[r]), n4 * 4u, dims.live_n);
    if (MASK_ACT != ACT_NONE) { g = masked4(g, mask[i]); }
    c[i] = g;
  }
}

// dW = dY^T . X: both operands have K (the batch rows) as the outer index, so each k gives a
// rank-1 update: dy[k, m..m+7] outer x[k, n..n+7]. Each invocation owns an 8x8 block (two vec4s
// of rows, two of columns): four loads per 64 multiply-adds. A second row or column vec4 past
// the padded size reloads the first and is not stored. The invocations of the first column
// block also sum dy over k, the bias gradient.
@compute @workgroup_size(WG_X, WG_Y)
fn backward_weight(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n4 = gid.x * 2u;
  let m4 = gid.y * 2u;
  if (n4 >= dims.ldc || m4 >= dims.lda) { return; }
  let n4b = min(n4 + 1u, dims.ldb - 1u);
  let m4b = min(m4 + 1u, dims.lda - 1u);
  var acc00 = vec4<f32>(0.0);
  var acc01 = vec4<f32>(0.0);
  var acc10 = vec4<f32>(0.0);
  var acc11 = vec4<f32>(0.0);
  var acc20 = vec4<f32>(0.0);
  var acc21 = vec4<f32>(0.0);
  var acc30 = vec4<f32>(0.0);
  var acc31 = vec4<f32>(0.0);
  var acc40 = vec4<f32>(0.0);
  var acc41 = vec4<f32>(0.0);
  var acc50 = vec4<f32>(0.0);
  var acc51 = vec4<f32>(0.0);
  var acc60 = vec4<f32>(0.0);
  var acc61 = vec4<f32>(0.0);
  var acc70 = vec4<f32>(0.0);
  var acc71 = vec4<f32>(0.0);
  var bsum0 = vec4<f32>(0.0);
  var bsum1 = vec4<f32>(0.0);
  for (var k = 0u; k < dims.K; k++) {
    let dy0 = a[k * dims.lda + m4];
    let dy1 = a[k * dims.lda + m4b];
    let x0 = b[k * dims.ldb + n4];
    let x1 = b[k * dims.ldb + n4b];
    acc00 += dy0.x * x0;
    acc01 += dy0.x * x1;
    acc10 += dy0.y * x0;
    acc11 += dy0.y * x1;
    acc20 += dy0.z * x0;
    acc21 += dy0.z * x1;
    acc30 += dy0.w * x0;
    acc31 += dy0.w * x1;
    acc40 += dy1.x * x0;
    acc41 += dy1.x * x1;
    acc50 += dy1.y * x0;
    acc51 += dy1.y * x1;
    acc60 += dy1.z * x0;
    acc61 += dy1.z * x1;
    acc70 += dy1.w * x0;
    acc71 += dy1.w * x1;
    bsum0 += dy0;
    bsum1 += dy1;
  }
  let c0 = m4 * 4u * dims.ldc + n4;
  let storeRight = n4 + 1u < dims.ldc;
  let storeLower = m4 + 1u < dims.lda;
  c[c0 + 0u * dims.ldc] = acc00;
  c[c0 + 1u * dims.ldc] = acc10;
  c[c0 + 2u * dims.ldc] = acc20;
  c[c0 + 3u * dims.ldc] = acc30;
  if (storeRight) {
    c[c0 + 0u * dims.ldc + 1u] = acc01;
    c[c0 + 1u * dims.ldc + 1u] = acc11;
    c[c0 + 2u * dims.ldc + 1u] = acc21;
    c[c0 + 3u * dims.ldc + 1u] = acc31;
  }
  if (storeLower) {
    c[c0 + 4u * dims.ldc] = acc40;
    c[c0 + 5u * dims.ldc] = acc50;
    c[c0 + 6u * dims.ldc] = acc60;
    c[c0 + 7u * dims.ldc] = acc70;
    if (storeRight) {
      c[c0 + 4u * dims.ldc + 1u] = acc41;
      c[c0 + 5u * dims.ldc + 1u] = acc51;
      c[c0 + 6u * dims.ldc + 1u] = acc61;
      c[c0 + 7u * dims.ldc + 1u] = acc71;
    }
  }
  if (n4 == 0u) {
    dbias[m4] = bsum0;
    if (storeLower) { dbias[m4 + 1u] = bsum1; }
  }
}
