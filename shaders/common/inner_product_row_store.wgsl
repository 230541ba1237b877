// The end of inner_product_loss's full-row `rows` (register and subgroup variants): node i's
// partial loss and gradient for column chunk c, the gradient scaled by 2 scale (the pair (j, i)
// gives the same term as (i, j)).
let o = c * dims.n_pad + i;
loss_part[o] = l.x + dims.pos_weight * l.y;
let f = 2.0 * dims.scale;
let zo = o * D4;
#include "inner_product_store.wgsl"
