// One pair (i, col) of inner_product_loss's `rows` (the full-row variants), included inside the
// loop over columns after `zc` (where z_col(zc, k) finds vec4 k of z_col's row: storage in the
// register variant, a subgroup shuffle in the subgroup one) and `col` (the column, j): the dot
// product x = z_i . z_col, the label from the sorted neighbour list (p, next, end), the loss
// terms into l and the gradient g z_col into the accumulators a0..a15.
#include "inner_product_dot.wgsl"
let edge = col == next;
if (edge) {
  p++;
  next = label_at(p, end);
}
let t = pair_terms(d.x + d.y + d.z + d.w, edge);
l += t.xy;
let g = select(t.z, dims.pos_weight * t.z, edge);
#include "inner_product_accumulate.wgsl"
