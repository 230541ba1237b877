// The dot product of a pair (row of z_i in registers zi0..zi15, see inner_product_registers.wgsl;
// the other row's vec4 k from z_col(zc, k), which the including shader defines: storage, a
// subgroup shuffle or a staged tile), included inside a loop after `zc`: loads z0..z15 and sums
// d = z_i * z_col, so x = d.x + d.y + d.z + d.w. One block per vec4, guarded by `k < D4`.
var d = vec4<f32>(0.0);
var z0 = vec4<f32>(0.0);
var z1 = vec4<f32>(0.0);
var z2 = vec4<f32>(0.0);
var z3 = vec4<f32>(0.0);
var z4 = vec4<f32>(0.0);
var z5 = vec4<f32>(0.0);
var z6 = vec4<f32>(0.0);
var z7 = vec4<f32>(0.0);
var z8 = vec4<f32>(0.0);
var z9 = vec4<f32>(0.0);
var z10 = vec4<f32>(0.0);
var z11 = vec4<f32>(0.0);
var z12 = vec4<f32>(0.0);
var z13 = vec4<f32>(0.0);
var z14 = vec4<f32>(0.0);
var z15 = vec4<f32>(0.0);
if (0u < D4) { z0 = z_col(zc, 0u); d += zi0 * z0; }
if (1u < D4) { z1 = z_col(zc, 1u); d += zi1 * z1; }
if (2u < D4) { z2 = z_col(zc, 2u); d += zi2 * z2; }
if (3u < D4) { z3 = z_col(zc, 3u); d += zi3 * z3; }
if (4u < D4) { z4 = z_col(zc, 4u); d += zi4 * z4; }
if (5u < D4) { z5 = z_col(zc, 5u); d += zi5 * z5; }
if (6u < D4) { z6 = z_col(zc, 6u); d += zi6 * z6; }
if (7u < D4) { z7 = z_col(zc, 7u); d += zi7 * z7; }
if (8u < D4) { z8 = z_col(zc, 8u); d += zi8 * z8; }
if (9u < D4) { z9 = z_col(zc, 9u); d += zi9 * z9; }
if (10u < D4) { z10 = z_col(zc, 10u); d += zi10 * z10; }
if (11u < D4) { z11 = z_col(zc, 11u); d += zi11 * z11; }
if (12u < D4) { z12 = z_col(zc, 12u); d += zi12 * z12; }
if (13u < D4) { z13 = z_col(zc, 13u); d += zi13 * z13; }
if (14u < D4) { z14 = z_col(zc, 14u); d += zi14 * z14; }
if (15u < D4) { z15 = z_col(zc, 15u); d += zi15 * z15; }
