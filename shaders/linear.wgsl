// linear: a dense layer's three matrix products, register-blocked variant.
//
//   forward          Y[M,N]  = act(X[M,K] . W[N,K]^T + b[N])          M = rows, K = in,  N = out
//   backward_input   dX[M,N] = (dY[M,K] . W[K,N]) * [H[M,N] > 0]       M = rows, K = out, N = in
//   backward_weight  dW[M,N] = dY[K,M]^T . X[K,N];  db[M] = sum_k dY[k,M]   M = out, K = rows, N = in
//
// Storage: every matrix is row-major with rows and columns padded to multiples of 4 and the
// padding kept at zero, so every load below is an aligned vec4 inside the buffer and padded
// terms add zeros: no bounds checks and no edge cases. The runtime passes padded sizes.
//
// Variant: each invocation owns a 4x4 output block (4x8 in backward_weight), loads vec4s
// straight from storage (no workgroup memory, no barriers) and steps K by 4. This is the fast shape on SwiftShader,
// which runs barriers as coroutine switches; linear.tiled.wgsl is the variant for real GPUs.
//
// Bindings are identical in both variants: uniforms, read-only inputs, then outputs.

struct Dims {
  M: u32,   // output rows (padded)
  N: u32,   // output columns (padded)
  K: u32,   // reduction length (padded)
  lda: u32, // row strides in vec4 units
  ldb: u32,
  ldc: u32,
}

override WG_X: u32 = 16;   // invocations along N (each owns 4 columns)
override WG_Y: u32 = 4;    // invocations along M (each owns 4 rows)
override RELU: bool = false; // forward: apply max(0, .)
override MASK: bool = false; // backward_input: multiply by [H > 0]

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> dbias: array<vec4<f32>>;

// Y = X . W^T: both operands have K contiguous. For a 4x4 block of each, the output block is
// rows(X) . cols(W^T), i.e. x_r . mat(w_0..w_3) per row: a row vector times a matrix whose
// columns are W's rows gives dot(x_r, w_c) in component c.
@compute @workgroup_size(WG_X, WG_Y)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n4 = gid.x;
  let m0 = gid.y * 4u;
  if (n4 * 4u >= dims.N || m0 >= dims.M) { return; }
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let a0 = m0 * dims.lda;
  let b0 = n4 * 4u * dims.ldb;
  for (var k4 = 0u; k4 < dims.K / 4u; k4++) {
    let w = mat4x4<f32>(b[b0 + k4], b[b0 + dims.ldb + k4], b[b0 + 2u * dims.ldb + k4], b[b0 + 3u * dims.ldb + k4]);
    acc0 += a[a0 + k4] * w;
    acc1 += a[a0 + dims.lda + k4] * w;
    acc2 += a[a0 + 2u * dims.lda + k4] * w;
    acc3 += a[a0 + 3u * dims.lda + k4] * w;
  }
  let bv = bias[n4];
  var out = array<vec4<f32>, 4>(acc0 + bv, acc1 + bv, acc2 + bv, acc3 + bv);
  for (var r = 0u; r < 4u; r++) {
    var y = out[r];
    if (RELU) { y = max(y, vec4<f32>(0.0)); }
    // Padded columns of W and b are zero, so padded columns of Y stay zero.
    c[(m0 + r) * dims.ldc + n4] = y;
  }
}

// dX = dY . W: A has K contiguous, B has N contiguous. Four rows of B (k..k+3) form a matrix
// whose columns are those rows; times the vector dy_r[k..k+3] it accumulates sum_k dy_rk w_k.
@compute @workgroup_size(WG_X, WG_Y)
fn backward_input(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n4 = gid.x;
  let m0 = gid.y * 4u;
  if (n4 * 4u >= dims.N || m0 >= dims.M) { return; }
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let a0 = m0 * dims.lda;
  for (var k4 = 0u; k4 < dims.K / 4u; k4++) {
    let bk = k4 * 4u * dims.ldb + n4;
    let w = mat4x4<f32>(b[bk], b[bk + dims.ldb], b[bk + 2u * dims.ldb], b[bk + 3u * dims.ldb]);
    acc0 += w * a[a0 + k4];
    acc1 += w * a[a0 + dims.lda + k4];
    acc2 += w * a[a0 + 2u * dims.lda + k4];
    acc3 += w * a[a0 + 3u * dims.lda + k4];
  }
  var out = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let i = (m0 + r) * dims.ldc + n4;
    var g = out[r];
    // ReLU backward of the previous layer, fused: H is this layer's input, the ReLU's output.
    if (MASK) { g = select(vec4<f32>(0.0), g, mask[i] > vec4<f32>(0.0)); }
    c[i] = g;
  }
}

// dW = dY^T . X: both operands have K (the batch rows) as the outer index, so each k gives a
// rank-1 update: dy[k, m..m+3] outer x[k, n..n+7]. Each invocation owns a 4x8 block (two vec4
// columns): three loads per 32 multiply-adds, where a 4x4 block needs two per 16. The
// invocations of the first column block also sum dy over k, the bias gradient.
@compute @workgroup_size(WG_X, WG_Y)
fn backward_weight(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n4 = gid.x * 2u;
  let m4 = gid.y;
  if (n4 >= dims.ldc || m4 * 4u >= dims.M) { return; }
  // The second column block may lie past the padded width; it then reloads the first and is not stored.
  let n4b = min(n4 + 1u, dims.ldb - 1u);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var acc4 = vec4<f32>(0.0);
  var acc5 = vec4<f32>(0.0);
  var acc6 = vec4<f32>(0.0);
  var acc7 = vec4<f32>(0.0);
  var bsum = vec4<f32>(0.0);
  for (var k = 0u; k < dims.K; k++) {
    let dy = a[k * dims.lda + m4];
    let x0 = b[k * dims.ldb + n4];
    let x1 = b[k * dims.ldb + n4b];
    acc0 += dy.x * x0;
    acc1 += dy.y * x0;
    acc2 += dy.z * x0;
    acc3 += dy.w * x0;
    acc4 += dy.x * x1;
    acc5 += dy.y * x1;
    acc6 += dy.z * x1;
    acc7 += dy.w * x1;
    bsum += dy;
  }
  let c0 = m4 * 4u * dims.ldc + n4;
  c[c0] = acc0;
  c[c0 + dims.ldc] = acc1;
  c[c0 + 2u * dims.ldc] = acc2;
  c[c0 + 3u * dims.ldc] = acc3;
  if (n4 + 1u < dims.ldc) {
    c[c0 + 1u] = acc4;
    c[c0 + 1u + dims.ldc] = acc5;
    c[c0 + 1u + 2u * dims.ldc] = acc6;
    c[c0 + 1u + 3u * dims.ldc] = acc7;
  }
  if (n4 == 0u) { dbias[m4] = bsum; }
}
