// What the full-row variants of inner_product_loss's `rows` (inner_product_loss.wgsl,
// inner_product_loss.subgroups.wgsl) add to common/inner_product.wgsl: each (chunk, row) of the
// partial gradients is written once, by the row's own invocation.

// The per-pair store (common/inner_product_store.wgsl) writes the partial gradients.
fn store_gradient(index: u32, value: vec4<f32>) {
  dz_part[index] = value;
}
