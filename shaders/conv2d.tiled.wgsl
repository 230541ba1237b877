// conv2d: the three products of a convolution layer, workgroup-tiled variant.
//
// The products, the convolution frame, the storage and the bindings are those of conv2d.wgsl
// (its header has the equations); in GEMM terms, with m, n, kk the output row, output column and
// reduction index of each tile:
//
//   forward          C[m = (b, p, q), n = o]        = sum_{kk = (i, ky, kx)}  X[b, i, p s - pad + ky, q s - pad + kx] W[o, i, ky, kx]
//   backward_input   C[m = (b, y, x), n = i]        = sum_{kk = (o, jy, jx)}  Y[b, o, (y + pad - ky) / s, (x + pad - kx) / s] W[o, i, ky, kx]
//                    with ky = ky0 + s jy, ky0 = (py + pad) mod s, one grid slice (z) per stride
//                    phase (py, px): y = py + s qy, x = px + s qx, so no reduction term is a
//                    tap that cannot land (3 of 4 at stride 2 would be)
//   backward_weight  C[m = o, n = (i, ky, kx)]      = sum_{kk = (b, p, q)}    Y[b, o, p, q] X[b, i, p s - pad + ky, q s - pad + kx]
//
// Operands are gathered from the NCHW batches while they are staged (implicit GEMM: no im2col
// buffer); a term outside the image, the batch, the channels or the reduction stages a zero.
//
// Variant: a workgroup of WG_X x WG_Y invocations computes a (4 WG_Y) x (4 WG_X) tile of C,
// each invocation a 4x4 block; the reduction is walked in slices of BK = 16 staged in workgroup
// memory (As[k][m/4], Bs[k][n/4] as vec4s, as in linear.tiled.wgsl), two barriers per slice.
// Every staged element is read from storage once per workgroup instead of once per invocation
// row or column. Good on GPUs; slow on SwiftShader, which runs barriers as coroutine switches
// (conv2d.wgsl is the variant for it). backward_weight has few output tiles (co x ci k k), so
// the caller gives it smaller workgroups for more of them. The in side's bias gradient
// (BIAS_RIGHT) is a workgroup reduction per channel, by the workgroups of the first row of tiles.
//
// Measured on SwiftShader only (batch 128, keras-io layers, GFLOP per CPU-second as in
// conv2d.wgsl): with 32-64 channels, forward 0.39-0.63, backward_input 0.18-0.36 and
// backward_weight 0.58-0.62, against 1.6-2.0 and 0.8-1.1 for the register variant; 0.02-0.14
// where a side has one channel (one live column in a tile 8 wide, or 9 reduction terms staged in
// slices of 16). The tile shapes are linear.tiled.wgsl's and were not tuned: no GPU was at hand.

#include "common/conv2d.wgsl"

override WG_X: u32 = 16;           // invocations along n (each owns 4 columns)
override WG_Y: u32 = 16;           // invocations along m (each owns 4 rows)

#include "common/tile.wgsl"
var<workgroup> partial: array<f32, WG_X * WG_Y>;

// X[b, i, y, x] with zeros outside the image (y, x signed).
fn x_at(b0: u32, i: u32, y: i32, x: i32) -> f32 {
  if (y < 0 || y >= i32(conv.h) || x < 0 || x >= i32(conv.w)) { return 0.0; }
  return b[b0 + i * conv.h * conv.w + u32(y) * conv.w + u32(x)];
}

fn finish(v: f32, i: u32, ch: u32, live: bool) -> f32 {
  if (!live) { return 0.0; }
  var y = v;
  if (HAS_BIAS) { y += bias[ch]; }
  y = activate(y);
  if (MASK_ACT != ACT_NONE) { y = masked(y, mask[i]); }
  return y;
}

@compute @workgroup_size(WG_X, WG_Y)
fn forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let pq = conv.ho * conv.wo;
  let kk = conv.k * conv.k;
  let K = conv.ci * kk;
  let M = pad4(conv.rows) * pq;
  let row0 = wg.y * WG_Y * 4u;
  let col0 = wg.x * WG_X * 4u;
  let tm = WG_Y * 4u;
  let tn = WG_X * 4u;
  var acc = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < K; k0 += BK) {
    // A: neighbouring invocations take neighbouring pixels of one reduction index.
    for (var e = lid; e < tm * BK; e += WG_X * WG_Y) {
      let m = row0 + e % tm;
      let kx = k0 + e / tm;
      var v = 0.0;
      let bi = m / pq;
      if (bi < conv.rows && kx < K) {
        let pix = m % pq;
        let tap = kx % kk;
        let y = i32((pix / conv.wo) * conv.stride + tap / conv.k) - i32(conv.pad);
        let x = i32((pix % conv.wo) * conv.stride + tap % conv.k) - i32(conv.pad);
        v = x_at_a(bi * conv.ld_in, kx / kk, y, x);
      }
      As[(e / tm) * WG_Y + (e % tm) / 4u][e % 4u] = v;
    }
    // B: W[n, k0 + k], neighbouring invocations along the contiguous k.
    for (var e = lid; e < tn * BK; e += WG_X * WG_Y) {
      let kq = e % BK;
      let n = col0 + e / BK;
      var v = 0.0;
      if (n < conv.co && k0 + kq < K) { v = b[n * conv.ld_w + k0 + kq]; }
      Bs[kq * WG_X + (e / BK) / 4u][(e / BK) % 4u] = v;
    }
    workgroupBarrier();
    multiply_slice(l.x, l.y, &acc);
    workgroupBarrier();
  }
  let m0 = row0 + l.y * 4u;
  let n0 = col0 + l.x * 4u;
  for (var r = 0u; r < 4u; r++) {
    let m = m0 + r;
    if (m >= M) { break; }
    let bi = m / pq;
    let pix = m % pq;
    let row = bi * conv.ld_out;
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n < conv.co) {
        let i = row + n * pq + pix;
        c[i] = finish(acc[r][j], i, n, bi < conv.rows);
      }
    }
    // The invocation holding the last channel at the last pixel zeros the row's padding.
    if (pix == pq - 1u && n0 <= conv.co - 1u && conv.co - 1u < n0 + 4u) {
      for (var i = conv.co * pq; i < conv.ld_out; i++) { c[row + i] = 0.0; }
    }
  }
}

// X[b, i, y, x] read through binding a (forward's in side).
fn x_at_a(b0: u32, i: u32, y: i32, x: i32) -> f32 {
  if (y < 0 || y >= i32(conv.h) || x < 0 || x >= i32(conv.w)) { return 0.0; }
  return a[b0 + i * conv.h * conv.w + u32(y) * conv.w + u32(x)];
}

@compute @workgroup_size(WG_X, WG_Y)
fn backward_input(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let s = conv.stride;
  let phase = wg.z;
  let py = phase / s;
  let px = phase % s;
  let qh = (conv.h + s - 1u) / s;
  let qw = (conv.w + s - 1u) / s;
  let nq = qh * qw;
  // The taps of this phase: ky = ky0 + s jy for jy < ty (none when ky0 >= k).
  let ky0 = (py + conv.pad) % s;
  let kx0 = (px + conv.pad) % s;
  let ty = select(0u, (conv.k - ky0 + s - 1u) / s, ky0 < conv.k);
  let tx = select(0u, (conv.k - kx0 + s - 1u) / s, kx0 < conv.k);
  let taps = ty * tx;
  let K = conv.co * taps;
  let M = pad4(conv.rows) * nq;
  let pq = conv.ho * conv.wo;
  let hw = conv.h * conv.w;
  let kk = conv.k * conv.k;
  let row0 = wg.y * WG_Y * 4u;
  let col0 = wg.x * WG_X * 4u;
  let tm = WG_Y * 4u;
  let tn = WG_X * 4u;
  var acc = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var e = lid; e < tm * BK; e += WG_X * WG_Y) {
      let m = row0 + e % tm;
      let kx = k0 + e / tm;
      var v = 0.0;
      let bi = m / nq;
      let qi = m % nq;
      let y = py + (qi / qw) * s;
      let x = px + (qi % qw) * s;
      if (bi < conv.rows && kx < K && y < conv.h && x < conv.w) {
        let o = kx / taps;
        let ky = ky0 + s * ((kx % taps) / tx);
        let kxx = kx0 + s * (kx % tx);
        // (y + pad - ky) is a multiple of s by the choice of ky0; negative or past ho: no term.
        let ny = i32(y + conv.pad) - i32(ky);
        let nx = i32(x + conv.pad) - i32(kxx);
        if (ny >= 0 && nx >= 0) {
          let p = u32(ny) / s;
          let q = u32(nx) / s;
          if (p < conv.ho && q < conv.wo) { v = a[bi * conv.ld_out + o * pq + p * conv.wo + q]; }
        }
      }
      As[(e / tm) * WG_Y + (e % tm) / 4u][e % 4u] = v;
    }
    // B: W[o, n, ky, kx] for reduction index (o, jy, jx); neighbouring invocations along n.
    for (var e = lid; e < tn * BK; e += WG_X * WG_Y) {
      let n = col0 + e % tn;
      let kx = k0 + e / tn;
      var v = 0.0;
      if (n < conv.ci && kx < K) {
        let o = kx / taps;
        let ky = ky0 + s * ((kx % taps) / tx);
        let kxx = kx0 + s * (kx % tx);
        v = b[o * conv.ld_w + n * kk + ky * conv.k + kxx];
      }
      Bs[(e / tn) * WG_X + (e % tn) / 4u][e % 4u] = v;
    }
    workgroupBarrier();
    multiply_slice(l.x, l.y, &acc);
    workgroupBarrier();
  }
  let m0 = row0 + l.y * 4u;
  let n0 = col0 + l.x * 4u;
  for (var r = 0u; r < 4u; r++) {
    let m = m0 + r;
    if (m >= M) { break; }
    let bi = m / nq;
    let qi = m % nq;
    let y = py + (qi / qw) * s;
    let x = px + (qi % qw) * s;
    if (y >= conv.h || x >= conv.w) { continue; }
    let pix = y * conv.w + x;
    let row = bi * conv.ld_in;
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n < conv.ci) {
        let i = row + n * hw + pix;
        c[i] = finish(acc[r][j], i, n, bi < conv.rows);
      }
    }
    if (pix == hw - 1u && n0 <= conv.ci - 1u && conv.ci - 1u < n0 + 4u) {
      for (var i = conv.ci * hw; i < conv.ld_in; i++) { c[row + i] = 0.0; }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn backward_weight(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let pq = conv.ho * conv.wo;
  let kk = conv.k * conv.k;
  let ncol = conv.ci * kk;
  let K = conv.rows * pq;
  let row0 = wg.y * WG_Y * 4u;
  let col0 = wg.x * WG_X * 4u;
  let tm = WG_Y * 4u;
  let tn = WG_X * 4u;
  let owns_bias = !BIAS_RIGHT && wg.x == 0u && l.x == 0u;
  var acc = array<vec4<f32>, 4>();
  var bsum = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < K; k0 += BK) {
    // A[k, m] = Y[b, m, p, q] for k = (b, p, q): neighbouring invocations along the pixels.
    for (var e = lid; e < tm * BK; e += WG_X * WG_Y) {
      let kq = e % BK;
      let m = row0 + e / BK;
      var v = 0.0;
      let kx = k0 + kq;
      if (m < conv.co && kx < K) { v = a[(kx / pq) * conv.ld_out + m * pq + kx % pq]; }
      As[kq * WG_Y + (e / BK) / 4u][(e / BK) % 4u] = v;
    }
    // B[k, n] = X[b, i, p s - pad + ky, q s - pad + kx] for n = (i, ky, kx).
    for (var e = lid; e < tn * BK; e += WG_X * WG_Y) {
      let kq = e % BK;
      let n = col0 + e / BK;
      var v = 0.0;
      let kx = k0 + kq;
      if (n < ncol && kx < K) {
        let pix = kx % pq;
        let tap = n % kk;
        let y = i32((pix / conv.wo) * conv.stride + tap / conv.k) - i32(conv.pad);
        let x = i32((pix % conv.wo) * conv.stride + tap % conv.k) - i32(conv.pad);
        v = x_at((kx / pq) * conv.ld_in, n / kk, y, x);
      }
      Bs[kq * WG_X + (e / BK) / 4u][(e / BK) % 4u] = v;
    }
    workgroupBarrier();
    multiply_slice(l.x, l.y, &acc);
    if (owns_bias) {
      for (var k = 0u; k < BK; k++) { bsum += As[k * WG_Y + l.y]; }
    }
    workgroupBarrier();
  }
  let m0 = row0 + l.y * 4u;
  let n0 = col0 + l.x * 4u;
  let pco = pad4(conv.co);
  for (var r = 0u; r < 4u; r++) {
    let m = m0 + r;
    if (m >= pco) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n < conv.ld_w) { c[m * conv.ld_w + n] = select(0.0, acc[r][j], m < conv.co && n < ncol); }
    }
    if (owns_bias) { dbias[m] = select(0.0, bsum[r], m < conv.co); }
  }
  if (BIAS_RIGHT && wg.y == 0u) {
    // The in side's channel sums: each channel by the workgroup holding its first column, as a
    // workgroup reduction (the channel list is the same for every invocation of the workgroup).
    let hw = conv.h * conv.w;
    let first = (col0 + kk - 1u) / kk;
    let last = min((col0 + tn + kk - 1u) / kk, conv.ci);
    for (var i = first; i < last; i++) {
      var sum = 0.0;
      for (var e = lid; e < conv.rows * hw; e += WG_X * WG_Y) { sum += b[(e / hw) * conv.ld_in + i * hw + e % hw]; }
      partial[lid] = sum;
      workgroupBarrier();
      for (var half = (WG_X * WG_Y) / 2u; half > 0u; half /= 2u) {
        if (lid < half) { partial[lid] += partial[lid + half]; }
        workgroupBarrier();
      }
      if (lid == 0u) { dbias[i] = partial[0]; }
      workgroupBarrier();
    }
    if (lid == 0u && col0 + tn >= conv.ld_w) {
      for (var i = conv.ci; i < pad4(conv.ci); i++) { dbias[i] = 0.0; }
    }
  }
}
