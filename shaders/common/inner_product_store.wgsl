// The end of inner_product_loss's `rows` (both variants): node i's partial loss and gradient for
// column chunk c, the gradient scaled by 2 scale (the pair (j, i) gives the same term as (i, j)).
let o = c * dims.n_pad + i;
loss_part[o] = l.x + dims.pos_weight * l.y;
let f = 2.0 * dims.scale;
let zo = o * D4;
if (0u < D4) { dz_part[zo + 0u] = f * a0; }
if (1u < D4) { dz_part[zo + 1u] = f * a1; }
if (2u < D4) { dz_part[zo + 2u] = f * a2; }
if (3u < D4) { dz_part[zo + 3u] = f * a3; }
if (4u < D4) { dz_part[zo + 4u] = f * a4; }
if (5u < D4) { dz_part[zo + 5u] = f * a5; }
if (6u < D4) { dz_part[zo + 6u] = f * a6; }
if (7u < D4) { dz_part[zo + 7u] = f * a7; }
if (8u < D4) { dz_part[zo + 8u] = f * a8; }
if (9u < D4) { dz_part[zo + 9u] = f * a9; }
if (10u < D4) { dz_part[zo + 10u] = f * a10; }
if (11u < D4) { dz_part[zo + 11u] = f * a11; }
if (12u < D4) { dz_part[zo + 12u] = f * a12; }
if (13u < D4) { dz_part[zo + 13u] = f * a13; }
if (14u < D4) { dz_part[zo + 14u] = f * a14; }
if (15u < D4) { dz_part[zo + 15u] = f * a15; }
