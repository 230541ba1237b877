// The declarations both variants of inner_product_loss share (inner_product_loss.wgsl,
// inner_product_loss.tiled.wgsl): sizes, bindings, and the per-pair terms and label lookup.

#include "pair_terms.wgsl"
#include "labels.wgsl"

struct Dims {
  n: u32,          // nodes
  n_pad: u32,      // rows of each chunk of partials (n rounded up to 4)
  chunks: u32,     // column chunks
  chunk_len: u32,  // columns per chunk (the tiled variant: a multiple of TJ)
  pos_weight: f32, // (N^2 - nnz) / nnz
  scale: f32,      // norm / N^2
  kl_scale: f32,   // 1 / N^2
  _pad: u32,
}

const MAX_D4: u32 = 16u;   // register blocks in `rows`: latent sizes up to 64 (the wrapper checks)

override D4: u32 = 4u;     // vec4s per row of z (L padded to 4, over 4)
override WG: u32 = 64u;

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
