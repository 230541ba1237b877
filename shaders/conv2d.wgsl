// conv2d: the three products of a convolution layer, register-blocked variant.
//
// The convolution frame (src/conv2d_geometry.ts): an in side X[b, i, y, x] (ci channels, h x w),
// an out side Y[b, o, p, q] (co channels, ho x wo) and a weight W[o, i, ky, kx], joined by
//   y = p s - pad + ky,   x = q s - pad + kx          (s = stride; taps outside the image are zero)
//
//   forward          Y[b,o,p,q] = ep( sum_{i,ky,kx} X[b, i, p s - pad + ky, q s - pad + kx] W[o,i,ky,kx] + bias[o] )
//   backward_input   X[b,i,y,x] = ep( sum_{o, p, q} Y[b,o,p,q] W[o, i, y + pad - p s, x + pad - q s] + bias[i] )
//                    over the p, q whose tap lands: 0 <= y + pad - p s < k, 0 <= p < ho, that is
//                    floor((y + pad - k) / s) < p <= floor((y + pad) / s); likewise for q.
//   backward_weight  dW[o, i k k + ky k + kx] = sum_{b,p,q} Y[b,o,p,q] X[b, i, p s - pad + ky, q s - pad + kx]
//                    db[o] = sum_{b,p,q} Y[b,o,p,q]   or, with BIAS_RIGHT,   db[i] = sum_{b,y,x} X[b,i,y,x]
//   ep(v) = act(v + bias), then times act'(mask) with MASK_ACT (mask laid out as the output;
//   common/activation.wgsl).
//
// Conv2d runs forward for y, backward_input for dx and backward_weight for dw, db; ConvTranspose2d,
// whose input is the frame's out side, runs backward_input for y, forward for dx, and
// backward_weight with BIAS_RIGHT (its bias belongs to its output, the frame's in side).
//
// Storage: an activation batch is a matrix of pad4(rows) rows, one image per row in (C, H, W)
// order, row stride pad4(C H W): X[b,i,y,x] at b ld_in + i h w + y w + x, Y[b,o,p,q] at
// b ld_out + o ho wo + p wo + q. W[o,i,ky,kx] at o ld_w + i k k + ky k + kx (rows pad4(co),
// stride ld_w = pad4(ci k k)); a bias is pad4(channels) floats. Every output is written whole:
// rows from `rows` to pad4(rows), padded columns and padded channels are written as zeros.
// Rows past the live count are computed like any other and only from their own row.
//
// Variant: no workgroup memory and no barriers (SwiftShader runs barriers as coroutine switches;
// conv2d.tiled.wgsl is the variant for real GPUs), implicit GEMM (no im2col buffer). Each
// invocation owns a block of 4 RB4 x 4 CB4 outputs held as mat4x4 accumulators and adds, per
// reduction step, the outer product of 4 RB4 values of one operand and 4 CB4 of the other:
//   forward, backward_input: 4 RB4 batch rows x 4 CB4 channels at one pixel. The taps are walked
//     outside (their ranges computed, not tested) and the reduction's channels inside, so the
//     inner loop is strided loads only. backward_input walks one stride phase (y = py + s qy,
//     x = px + s qx) per slice of its grid, so neighbouring invocations have the same taps.
//   backward_weight: 4 RB4 weight rows (out channels) x 4 CB4 weight columns, summing over batch
//     rows and out-side pixels: pixels outside, batch rows inside. Which taps of the block land
//     in the image depends on the pixel alone, so it is decided once per pixel and the inner
//     loop over the rows is loads and multiply-adds only (pixels with a tap outside zero it).
// Neighbouring invocations share the pixel (forward, backward_input) or the weight columns
// (backward_weight) and differ in the other block, so their bounds and trip counts agree.
//
// Measured on SwiftShader (two shared cores, batch 128; GFLOP per CPU-second of the process,
// which load from other processes inflates less than the wall clock). A storage load costs about
// ten multiply-adds, and a vec4 load as much per float as scalar ones, so the block is chosen
// for loads per multiply-add; but beyond 16 accumulator floats per invocation they spill, which
// halves the multiply-add rate (a loop of fma alone: 6.8 GFLOP/s with 16 accumulator floats,
// 3.3 with 64), so blocks beyond 8x16 stop paying. enc2 / dec1 / dec2 (the keras-io layers):
//   rows x columns     8x8              8x16             16x8             16x16
//   forward            1.79/1.92/1.59   1.82/1.94/1.80   1.87/1.77/1.65   1.28/1.95/1.61
//   backward_input     1.55/1.70/1.42   1.31/1.81/1.36   1.56/1.80/1.70   1.82/1.73/1.41
//   backward_weight    0.86/0.81/1.03   1.06/0.86/1.08   0.67/0.93/1.06   0.78/0.85/0.84
// These were taken while Dawn's event polling spun a core of the same process (src/node/gpu.ts
// now paces it); paced, forward and backward_input measure 2.3-2.6 and the ratios between blocks
// stand. backward_weight then walked the pixels of a row innermost, testing taps at the edges;
// with the batch rows innermost (paced) 8x16 measures 2.0-2.2 / 2.0-2.1 / 2.0-2.1, and 16x8,
// 16x16, 4x16 and 8x8 1.6-2.2.
// Kept (registerBlock in src/kernels/conv2d.ts): forward 8x16, backward_input 16x8,
// backward_weight 8x16; outputs of 4 channels or fewer (the logits layer) take 16 rows x 4.
// Layers with one channel on a side (enc1's input, the logits layer's output) have 9 terms per
// output or one useful channel per block, and run at 0.4-0.5 GFLOP per CPU-second (paced): 4% of
// a training step's multiply-adds, about 10% of its time.
//
// Declarations and bindings are common/conv2d.wgsl, shared with the other variant.

#include "common/conv2d.wgsl"

override WG: u32 = 16;             // invocations per workgroup
override RB4: u32 = 2;             // block rows / 4 (batch rows; backward_weight: out channels), 1 to 4
override CB4: u32 = 4;             // block columns / 4 (channels; backward_weight: weight columns), 1 to 4

// Four rows of a block: CB4 4x4 tiles; tile[q][j] is a column of 4 rows.
alias Tiles = array<mat4x4<f32>, 4>;

// acc[q][j] += u v_q[j] for the CB4 tiles: a rank-1 update of 4 rows by 4 CB4 columns.
fn mac(acc: ptr<function, Tiles>, u: vec4<f32>, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  (*acc)[0][0] = fma(u, vec4<f32>(v0.x), (*acc)[0][0]);
  (*acc)[0][1] = fma(u, vec4<f32>(v0.y), (*acc)[0][1]);
  (*acc)[0][2] = fma(u, vec4<f32>(v0.z), (*acc)[0][2]);
  (*acc)[0][3] = fma(u, vec4<f32>(v0.w), (*acc)[0][3]);
  if (CB4 > 1u) {
    (*acc)[1][0] = fma(u, vec4<f32>(v1.x), (*acc)[1][0]);
    (*acc)[1][1] = fma(u, vec4<f32>(v1.y), (*acc)[1][1]);
    (*acc)[1][2] = fma(u, vec4<f32>(v1.z), (*acc)[1][2]);
    (*acc)[1][3] = fma(u, vec4<f32>(v1.w), (*acc)[1][3]);
  }
  if (CB4 > 2u) {
    (*acc)[2][0] = fma(u, vec4<f32>(v2.x), (*acc)[2][0]);
    (*acc)[2][1] = fma(u, vec4<f32>(v2.y), (*acc)[2][1]);
    (*acc)[2][2] = fma(u, vec4<f32>(v2.z), (*acc)[2][2]);
    (*acc)[2][3] = fma(u, vec4<f32>(v2.w), (*acc)[2][3]);
  }
  if (CB4 > 3u) {
    (*acc)[3][0] = fma(u, vec4<f32>(v3.x), (*acc)[3][0]);
    (*acc)[3][1] = fma(u, vec4<f32>(v3.y), (*acc)[3][1]);
    (*acc)[3][2] = fma(u, vec4<f32>(v3.z), (*acc)[3][2]);
    (*acc)[3][3] = fma(u, vec4<f32>(v3.w), (*acc)[3][3]);
  }
}

// The epilogue of forward and backward_input: bias (per channel), activation, mask at element i.
fn finish(v: f32, bch: f32, i: u32) -> f32 {
  var y = v + bch;
  y = activate(y);
  if (MASK_ACT != ACT_NONE) { y = masked(y, mask[i]); }
  return y;
}

// Stores rows r..r+3 of channel ch at pixel pix (rows past `rows` as zeros, none past pad4(rows));
// cs: channel stride, ld: row stride.
fn store4(v: vec4<f32>, r: u32, ch: u32, nch: u32, pix: u32, cs: u32, ld: u32) {
  if (ch >= nch || r >= pad4(conv.rows)) { return; }
  var bch = 0.0;
  if (HAS_BIAS) { bch = bias[ch]; }
  let i0 = r * ld + ch * cs + pix;
  c[i0] = finish(v.x, bch, i0);
  c[i0 + ld] = select(0.0, finish(v.y, bch, i0 + ld), r + 1u < conv.rows);
  c[i0 + 2u * ld] = select(0.0, finish(v.z, bch, i0 + 2u * ld), r + 2u < conv.rows);
  c[i0 + 3u * ld] = select(0.0, finish(v.w, bch, i0 + 3u * ld), r + 3u < conv.rows);
}

// Stores a 4x4 tile: rows r..r+3 of channels ch..ch+3.
fn store_tile(t: mat4x4<f32>, r: u32, ch: u32, nch: u32, pix: u32, cs: u32, ld: u32) {
  store4(t[0], r, ch, nch, pix, cs, ld);
  store4(t[1], r, ch + 1u, nch, pix, cs, ld);
  store4(t[2], r, ch + 2u, nch, pix, cs, ld);
  store4(t[3], r, ch + 3u, nch, pix, cs, ld);
}

// Stores the 4 rows from r of a block whose channels start at c0.
fn store_rows(acc: ptr<function, Tiles>, r: u32, c0: u32, nch: u32, pix: u32, cs: u32, ld: u32) {
  store_tile((*acc)[0], r, c0, nch, pix, cs, ld);
  if (CB4 > 1u) { store_tile((*acc)[1], r, c0 + 4u, nch, pix, cs, ld); }
  if (CB4 > 2u) { store_tile((*acc)[2], r, c0 + 8u, nch, pix, cs, ld); }
  if (CB4 > 3u) { store_tile((*acc)[3], r, c0 + 12u, nch, pix, cs, ld); }
}

// Zeros the padded columns n..ld of the block's rows from r0.
fn zero_tail(r0: u32, n: u32, ld: u32) {
  for (var r = r0; r < min(r0 + 4u * RB4, pad4(conv.rows)); r++) {
    for (var i = n; i < ld; i++) { c[r * ld + i] = 0.0; }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let pq = conv.ho * conv.wo;
  let ncb = (conv.co + 4u * CB4 - 1u) / (4u * CB4);
  let t = gid.x + gid.y * nwg.x * WG;
  let cb = t % ncb;
  let pix = (t / ncb) % pq;
  let r0 = (t / ncb / pq) * 4u * RB4;
  if (r0 >= pad4(conv.rows)) { return; }
  let p = pix / conv.wo;
  let q = pix % conv.wo;
  let c0 = cb * 4u * CB4;
  // Rows past the last live one and channels past co re-read the last: their results are not stored.
  var xr: array<u32, 16>;
  var wr: array<u32, 16>;
  for (var i = 0u; i < 16u; i++) {
    xr[i] = min(r0 + i, conv.rows - 1u) * conv.ld_in;
    wr[i] = min(c0 + i, conv.co - 1u) * conv.ld_w;
  }
  var acc0: Tiles;
  var acc1: Tiles;
  var acc2: Tiles;
  var acc3: Tiles;
  let hw = conv.h * conv.w;
  let kk = conv.k * conv.k;
  // Taps inside the image: 0 <= p s - pad + ky < h, likewise for x.
  let y0 = i32(p * conv.stride) - i32(conv.pad);
  let x0 = i32(q * conv.stride) - i32(conv.pad);
  let ky1 = u32(clamp(i32(conv.h) - y0, 0, i32(conv.k)));
  let kx1 = u32(clamp(i32(conv.w) - x0, 0, i32(conv.k)));
  for (var ky = u32(max(-y0, 0)); ky < ky1; ky++) {
    let y = y0 + i32(ky);
    for (var kx = u32(max(-x0, 0)); kx < kx1; kx++) {
      let x = x0 + i32(kx);
      var xo = u32(y) * conv.w + u32(x);  // X[., i, y, x] - X[., 0, 0, 0]
      var wo = ky * conv.k + kx;          // W[., i, ky, kx] - W[., 0, 0, 0]
      for (var i = 0u; i < conv.ci; i++) {
        var w0: vec4<f32>;
        var w1: vec4<f32>;
        var w2: vec4<f32>;
        var w3: vec4<f32>;
        w0 = vec4<f32>(b[wr[0] + wo], b[wr[1] + wo], b[wr[2] + wo], b[wr[3] + wo]);
        if (CB4 > 1u) { w1 = vec4<f32>(b[wr[4] + wo], b[wr[5] + wo], b[wr[6] + wo], b[wr[7] + wo]); }
        if (CB4 > 2u) { w2 = vec4<f32>(b[wr[8] + wo], b[wr[9] + wo], b[wr[10] + wo], b[wr[11] + wo]); }
        if (CB4 > 3u) { w3 = vec4<f32>(b[wr[12] + wo], b[wr[13] + wo], b[wr[14] + wo], b[wr[15] + wo]); }
        mac(&acc0, vec4<f32>(a[xr[0] + xo], a[xr[1] + xo], a[xr[2] + xo], a[xr[3] + xo]), w0, w1, w2, w3);
        if (RB4 > 1u) { mac(&acc1, vec4<f32>(a[xr[4] + xo], a[xr[5] + xo], a[xr[6] + xo], a[xr[7] + xo]), w0, w1, w2, w3); }
        if (RB4 > 2u) { mac(&acc2, vec4<f32>(a[xr[8] + xo], a[xr[9] + xo], a[xr[10] + xo], a[xr[11] + xo]), w0, w1, w2, w3); }
        if (RB4 > 3u) { mac(&acc3, vec4<f32>(a[xr[12] + xo], a[xr[13] + xo], a[xr[14] + xo], a[xr[15] + xo]), w0, w1, w2, w3); }
        xo += hw;
        wo += kk;
      }
    }
  }
  store_rows(&acc0, r0, c0, conv.co, pix, pq, conv.ld_out);
  if (RB4 > 1u) { store_rows(&acc1, r0 + 4u, c0, conv.co, pix, pq, conv.ld_out); }
  if (RB4 > 2u) { store_rows(&acc2, r0 + 8u, c0, conv.co, pix, pq, conv.ld_out); }
  if (RB4 > 3u) { store_rows(&acc3, r0 + 12u, c0, conv.co, pix, pq, conv.ld_out); }
  if (pix == pq - 1u && cb == ncb - 1u) { zero_tail(r0, conv.co * pq, conv.ld_out); }
}

@compute @workgroup_size(WG)
fn backward_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let s = conv.stride;
  // One slice of the grid per stride phase (py, px): its pixels are y = py + s qy, x = px + s qx.
  let qh = (conv.h + s - 1u) / s;
  let qw = (conv.w + s - 1u) / s;
  let nq = qh * qw;
  let ncb = (conv.ci + 4u * CB4 - 1u) / (4u * CB4);
  let t = gid.x + gid.y * nwg.x * WG;
  let cb = t % ncb;
  let qi = (t / ncb) % nq;
  let phase = (t / ncb / nq) % (s * s);
  let r0 = (t / ncb / nq / (s * s)) * 4u * RB4;
  if (r0 >= pad4(conv.rows)) { return; }
  let y = phase / s + (qi / qw) * s;
  let x = phase % s + (qi % qw) * s;
  if (y >= conv.h || x >= conv.w) { return; }
  let pix = y * conv.w + x;
  let pq = conv.ho * conv.wo;
  let kk = conv.k * conv.k;
  let c0 = cb * 4u * CB4;
  var yr: array<u32, 16>;
  var wc: array<u32, 16>;
  for (var i = 0u; i < 16u; i++) {
    yr[i] = min(r0 + i, conv.rows - 1u) * conv.ld_out;
    wc[i] = min(c0 + i, conv.ci - 1u) * kk;
  }
  var acc0: Tiles;
  var acc1: Tiles;
  var acc2: Tiles;
  var acc3: Tiles;
  // Taps ky = y + pad - p s for p in [p_lo, p_hi]: p <= (y + pad) / s (ky >= 0), p > (y + pad - k) / s
  // (ky < k), p < ho; likewise for x.
  let p_hi = min((y + conv.pad) / s, conv.ho - 1u);
  let q_hi = min((x + conv.pad) / s, conv.wo - 1u);
  let p_lo = u32(max(i32(y + conv.pad) - i32(conv.k), -1) + i32(s)) / s;
  let q_lo = u32(max(i32(x + conv.pad) - i32(conv.k), -1) + i32(s)) / s;
  for (var p = p_lo; p <= p_hi; p++) {
    let ky = y + conv.pad - p * s;
    for (var q = q_lo; q <= q_hi; q++) {
      let kx = x + conv.pad - q * s;
      var yo = p * conv.wo + q;   // Y[., o, p, q] - Y[., 0, 0, 0]
      var wo = ky * conv.k + kx;  // W[o, ., ky, kx] - W[0, ., 0, 0]
      for (var o = 0u; o < conv.co; o++) {
        var w0: vec4<f32>;
        var w1: vec4<f32>;
        var w2: vec4<f32>;
        var w3: vec4<f32>;
        w0 = vec4<f32>(b[wc[0] + wo], b[wc[1] + wo], b[wc[2] + wo], b[wc[3] + wo]);
        if (CB4 > 1u) { w1 = vec4<f32>(b[wc[4] + wo], b[wc[5] + wo], b[wc[6] + wo], b[wc[7] + wo]); }
        if (CB4 > 2u) { w2 = vec4<f32>(b[wc[8] + wo], b[wc[9] + wo], b[wc[10] + wo], b[wc[11] + wo]); }
        if (CB4 > 3u) { w3 = vec4<f32>(b[wc[12] + wo], b[wc[13] + wo], b[wc[14] + wo], b[wc[15] + wo]); }
        mac(&acc0, vec4<f32>(a[yr[0] + yo], a[yr[1] + yo], a[yr[2] + yo], a[yr[3] + yo]), w0, w1, w2, w3);
        if (RB4 > 1u) { mac(&acc1, vec4<f32>(a[yr[4] + yo], a[yr[5] + yo], a[yr[6] + yo], a[yr[7] + yo]), w0, w1, w2, w3); }
        if (RB4 > 2u) { mac(&acc2, vec4<f32>(a[yr[8] + yo], a[yr[9] + yo], a[yr[10] + yo], a[yr[11] + yo]), w0, w1, w2, w3); }
        if (RB4 > 3u) { mac(&acc3, vec4<f32>(a[yr[12] + yo], a[yr[13] + yo], a[yr[14] + yo], a[yr[15] + yo]), w0, w1, w2, w3); }
        yo += pq;
        wo += conv.ld_w;
      }
    }
  }
  let hw = conv.h * conv.w;
  store_rows(&acc0, r0, c0, conv.ci, pix, hw, conv.ld_in);
  if (RB4 > 1u) { store_rows(&acc1, r0 + 4u, c0, conv.ci, pix, hw, conv.ld_in); }
  if (RB4 > 2u) { store_rows(&acc2, r0 + 8u, c0, conv.ci, pix, hw, conv.ld_in); }
  if (RB4 > 3u) { store_rows(&acc3, r0 + 12u, c0, conv.ci, pix, hw, conv.ld_in); }
  if (pix == hw - 1u && cb == ncb - 1u) { zero_tail(r0, conv.ci * hw, conv.ld_in); }
}

// In-side values of 4 weight columns of one batch row: b[xo + i] (xo: the row's start, i: the
// columns' offsets from it at the current pixel).
fn ins(xo: u32, i: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(b[xo + i.x], b[xo + i.y], b[xo + i.z], b[xo + i.w]);
}

// Out-side values of 4 channels (channel offsets ch) at offset o.
fn outs(o: u32, ch: vec4<u32>) -> vec4<f32> {
  return vec4<f32>(a[o + ch.x], a[o + ch.y], a[o + ch.z], a[o + ch.w]);
}

// One term (b, p, q) of the weight-gradient sum: out-side values at yo times in-side values v.
fn weight_term(acc0: ptr<function, Tiles>, acc1: ptr<function, Tiles>, acc2: ptr<function, Tiles>, acc3: ptr<function, Tiles>,
               sums: ptr<function, array<vec4<f32>, 4>>, yo: u32, ch: array<vec4<u32>, 4>,
               v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  let u0 = outs(yo, ch[0]);
  mac(acc0, u0, v0, v1, v2, v3);
  (*sums)[0] += u0;
  if (RB4 > 1u) { let u1 = outs(yo, ch[1]); mac(acc1, u1, v0, v1, v2, v3); (*sums)[1] += u1; }
  if (RB4 > 2u) { let u2 = outs(yo, ch[2]); mac(acc2, u2, v0, v1, v2, v3); (*sums)[2] += u2; }
  if (RB4 > 3u) { let u3 = outs(yo, ch[3]); mac(acc3, u3, v0, v1, v2, v3); (*sums)[3] += u3; }
}

// Stores dW rows m..m+3 (acc[q][j] holds the 4 rows of column j0 + 4q + j); padding as zeros.
fn store_weight(acc: Tiles, m: u32, j0: u32) {
  if (m >= pad4(conv.co)) { return; }
  let ncol = conv.ci * conv.k * conv.k;
  for (var q = 0u; q < CB4; q++) {
    for (var j = 0u; j < 4u; j++) {
      let col = j0 + 4u * q + j;
      if (col >= conv.ld_w) { return; }
      let v = select(vec4<f32>(0.0), acc[q][j], col < ncol);
      c[m * conv.ld_w + col] = select(0.0, v.x, m < conv.co);
      c[(m + 1u) * conv.ld_w + col] = select(0.0, v.y, m + 1u < conv.co);
      c[(m + 2u) * conv.ld_w + col] = select(0.0, v.z, m + 2u < conv.co);
      c[(m + 3u) * conv.ld_w + col] = select(0.0, v.w, m + 3u < conv.co);
    }
  }
}

@compute @workgroup_size(WG)
fn backward_weight(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let kk = conv.k * conv.k;
  let ncol = conv.ci * kk;
  let nmb = (conv.co + 4u * RB4 - 1u) / (4u * RB4);
  let t = gid.x + gid.y * nwg.x * WG;
  let mb = t % nmb;
  let j0 = (t / nmb) * 4u * CB4;
  if (j0 >= conv.ld_w) { return; }
  let m0 = mb * 4u * RB4;
  let pq = conv.ho * conv.wo;
  let hw = conv.h * conv.w;
  var ch: array<vec4<u32>, 4>;
  for (var i = 0u; i < 16u; i++) { ch[i / 4u][i % 4u] = min(m0 + i, conv.co - 1u) * pq; }
  // Column j = i k k + ky k + kx reads X[b, i, p s + ky - pad, q s + kx - pad], at offset
  // base_j = i h w + (ky - pad) w + (kx - pad) from X[b, 0, p s, q s]. Padding columns repeat
  // the last column and are stored as zeros.
  let s = i32(conv.stride);
  var base: array<vec4<i32>, 4>;
  var dy: array<vec4<i32>, 4>;
  var dx: array<vec4<i32>, 4>;
  for (var i = 0u; i < 4u * CB4; i++) {
    let col = min(j0 + i, ncol - 1u);
    let ky = i32((col % kk) / conv.k) - i32(conv.pad);
    let kx = i32(col % conv.k) - i32(conv.pad);
    dy[i / 4u][i % 4u] = ky;
    dx[i / 4u][i % 4u] = kx;
    base[i / 4u][i % 4u] = i32((col / kk) * hw) + ky * i32(conv.w) + kx;
  }
  var acc0: Tiles;
  var acc1: Tiles;
  var acc2: Tiles;
  var acc3: Tiles;
  var sums: array<vec4<f32>, 4>;
  // Pixels outside, batch rows inside: whether a column's tap lands in the image depends on the
  // pixel only, so it is decided once per pixel, and the rows run as one loop of loads and
  // multiply-adds. A column whose tap is outside reads element 0 of the row and counts it 0.
  for (var p = 0u; p < conv.ho; p++) {
    let y = i32(p) * s;
    let oky0 = vec4<u32>(vec4<i32>(y) + dy[0]) < vec4<u32>(conv.h);
    let oky1 = vec4<u32>(vec4<i32>(y) + dy[1]) < vec4<u32>(conv.h);
    let oky2 = vec4<u32>(vec4<i32>(y) + dy[2]) < vec4<u32>(conv.h);
    let oky3 = vec4<u32>(vec4<i32>(y) + dy[3]) < vec4<u32>(conv.h);
    for (var q = 0u; q < conv.wo; q++) {
      let x = i32(q) * s;
      let ok0 = oky0 & (vec4<u32>(vec4<i32>(x) + dx[0]) < vec4<u32>(conv.w));
      let ok1 = oky1 & (vec4<u32>(vec4<i32>(x) + dx[1]) < vec4<u32>(conv.w));
      let ok2 = oky2 & (vec4<u32>(vec4<i32>(x) + dx[2]) < vec4<u32>(conv.w));
      let ok3 = oky3 & (vec4<u32>(vec4<i32>(x) + dx[3]) < vec4<u32>(conv.w));
      let o = vec4<i32>(y * i32(conv.w) + x);
      let i0 = vec4<u32>(select(vec4<i32>(0), o + base[0], ok0));
      let i1 = vec4<u32>(select(vec4<i32>(0), o + base[1], ok1));
      let i2 = vec4<u32>(select(vec4<i32>(0), o + base[2], ok2));
      let i3 = vec4<u32>(select(vec4<i32>(0), o + base[3], ok3));
      var inside = all(ok0);
      if (CB4 > 1u) { inside = inside && all(ok1); }
      if (CB4 > 2u) { inside = inside && all(ok2); }
      if (CB4 > 3u) { inside = inside && all(ok3); }
      var xo = 0u;
      var yo = p * conv.wo + q;
      if (inside) {
        for (var r = 0u; r < conv.rows; r++) {
          var v1: vec4<f32>;
          var v2: vec4<f32>;
          var v3: vec4<f32>;
          if (CB4 > 1u) { v1 = ins(xo, i1); }
          if (CB4 > 2u) { v2 = ins(xo, i2); }
          if (CB4 > 3u) { v3 = ins(xo, i3); }
          weight_term(&acc0, &acc1, &acc2, &acc3, &sums, yo, ch, ins(xo, i0), v1, v2, v3);
          xo += conv.ld_in;
          yo += conv.ld_out;
        }
      } else {
        let z0 = select(vec4<f32>(0.0), vec4<f32>(1.0), ok0);
        let z1 = select(vec4<f32>(0.0), vec4<f32>(1.0), ok1);
        let z2 = select(vec4<f32>(0.0), vec4<f32>(1.0), ok2);
        let z3 = select(vec4<f32>(0.0), vec4<f32>(1.0), ok3);
        for (var r = 0u; r < conv.rows; r++) {
          var v1: vec4<f32>;
          var v2: vec4<f32>;
          var v3: vec4<f32>;
          if (CB4 > 1u) { v1 = z1 * ins(xo, i1); }
          if (CB4 > 2u) { v2 = z2 * ins(xo, i2); }
          if (CB4 > 3u) { v3 = z3 * ins(xo, i3); }
          weight_term(&acc0, &acc1, &acc2, &acc3, &sums, yo, ch, z0 * ins(xo, i0), v1, v2, v3);
          xo += conv.ld_in;
          yo += conv.ld_out;
        }
      }
    }
  }
  store_weight(acc0, m0, j0);
  if (RB4 > 1u) { store_weight(acc1, m0 + 4u, j0); }
  if (RB4 > 2u) { store_weight(acc2, m0 + 8u, j0); }
  if (RB4 > 3u) { store_weight(acc3, m0 + 12u, j0); }
  let pco = pad4(conv.co);
  if (!BIAS_RIGHT && j0 == 0u) {
    // The out side's channel sums, gathered with the products.
    for (var m = 0u; m < 4u * RB4 && m0 + m < pco; m++) {
      dbias[m0 + m] = select(0.0, sums[m / 4u][m % 4u], m0 + m < conv.co);
    }
  }
  if (BIAS_RIGHT && m0 == 0u) {
    // The in side's channel sums, each by the invocation holding the channel's first column.
    for (var j = j0; j < min(j0 + 4u * CB4, ncol); j++) {
      if (j % kk != 0u) { continue; }
      let i = j / kk;
      var sum = 0.0;
      for (var r = 0u; r < conv.rows; r++) {
        let x0 = r * conv.ld_in + i * hw;
        for (var e = 0u; e < hw; e++) { sum += b[x0 + e]; }
      }
      dbias[i] = sum;
    }
    if (j0 + 4u * CB4 >= conv.ld_w) {
      for (var i = conv.ci; i < pad4(conv.ci); i++) { dbias[i] = 0.0; }
    }
  }
}
