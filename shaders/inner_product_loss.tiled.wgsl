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
// why the register variant exists. The tile takes TJ D4 16 bytes (64 x 4 x 16 = 4 KiB at L = 16).

struct Dims {
  n: u32,          // nodes
  n_pad: u32,      // rows of each chunk of partials (n rounded up to 4)
  chunks: u32,     // column chunks
  chunk_len: u32,  // columns per chunk, a multiple of TJ
  pos_weight: f32, // (N^2 - nnz) / nnz
  scale: f32,      // norm / N^2
  kl_scale: f32,   // 1 / N^2
  _pad: u32,
}

const MAX_D4: u32 = 16u;   // latent sizes up to 64

override D4: u32 = 4u;     // vec4s per row of z (L padded to 4, over 4)
override WG: u32 = 64u;
override TJ: u32 = 64u;    // columns j per staged tile

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> z: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> label_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> label_idx: array<u32>;
@group(0) @binding(4) var<storage, read> loss_part_in: array<f32>;
@group(0) @binding(5) var<storage, read> dz_part_in: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> kl_rows: array<f32>;
@group(0) @binding(7) var<storage, read_write> loss_part: array<f32>;
@group(0) @binding(8) var<storage, read_write> dz_part: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> dz: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> out: array<vec4<f32>>;

var<workgroup> tile: array<vec4<f32>, TJ * D4>;

fn log1p_small(e: f32) -> f32 {
  let u = 1.0 + e;
  return select(log(u) * e / (u - 1.0), e, u == 1.0);
}

// One pair's terms: (softplus(x) if a non-edge, softplus(-x) if an edge, g / pos_weight^y).
fn pair_terms(x: f32, edge: bool) -> vec3<f32> {
  let e = exp(-abs(x));
  let lp = log1p_small(e);
  let inv = 1.0 / (1.0 + e);
  let sig = select(e * inv, inv, x >= 0.0);     // sigmoid(x)
  let sig_neg = select(inv, e * inv, x >= 0.0); // sigmoid(-x)
  if (edge) { return vec3<f32>(0.0, max(-x, 0.0) + lp, -sig_neg); }
  return vec3<f32>(max(x, 0.0) + lp, 0.0, sig);
}

// First position in label_idx[lo, hi) holding a column >= v.
fn lower_bound(lo: u32, hi: u32, v: u32) -> u32 {
  var a = lo;
  var b = hi;
  while (a < b) {
    let m = (a + b) / 2u;
    if (label_idx[m] < v) { a = m + 1u; } else { b = m; }
  }
  return a;
}

fn label_at(p: u32, end: u32) -> u32 {
  if (p < end) { return label_idx[p]; }
  return 0xffffffffu;
}

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wg.x * WG + lid;
  let live = i < dims.n;
  let c = wg.y;
  let j0 = c * dims.chunk_len;
  let j1 = min(dims.n, j0 + dims.chunk_len);
  var zi: array<vec4<f32>, MAX_D4>;
  var acc: array<vec4<f32>, MAX_D4>;
  var p = 0u;
  var end = 0u;
  var next = 0xffffffffu;
  if (live) {
    for (var k = 0u; k < D4; k++) { zi[k] = z[i * D4 + k]; }
    end = label_ptr[i + 1u];
    p = lower_bound(label_ptr[i], end, j0);
    next = label_at(p, end);
  }
  for (var k = 0u; k < D4; k++) { acc[k] = vec4<f32>(0.0); }
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
        var d = vec4<f32>(0.0);
        for (var k = 0u; k < D4; k++) { d += zi[k] * tile[jj * D4 + k]; }
        let edge = t0 + jj == next;
        if (edge) {
          p++;
          next = label_at(p, end);
        }
        let t = pair_terms(d.x + d.y + d.z + d.w, edge);
        l += t.xy;
        let g = select(t.z, dims.pos_weight * t.z, edge);
        for (var k = 0u; k < D4; k++) { acc[k] += g * tile[jj * D4 + k]; }
      }
    }
    workgroupBarrier();
  }
  if (!live) { return; }
  let o = c * dims.n_pad + i;
  loss_part[o] = l.x + dims.pos_weight * l.y;
  let f = 2.0 * dims.scale;
  for (var k = 0u; k < D4; k++) { dz_part[o * D4 + k] = f * acc[k]; }
}
