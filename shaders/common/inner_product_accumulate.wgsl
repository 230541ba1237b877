// A pair's gradient g times the other row into the accumulators a0..a15 (inner_product_registers.wgsl),
// included after inner_product_dot.wgsl (whose z0..z15 it reads) once `g` is known.
if (0u < D4) { a0 += g * z0; }
if (1u < D4) { a1 += g * z1; }
if (2u < D4) { a2 += g * z2; }
if (3u < D4) { a3 += g * z3; }
if (4u < D4) { a4 += g * z4; }
if (5u < D4) { a5 += g * z5; }
if (6u < D4) { a6 += g * z6; }
if (7u < D4) { a7 += g * z7; }
if (8u < D4) { a8 += g * z8; }
if (9u < D4) { a9 += g * z9; }
if (10u < D4) { a10 += g * z10; }
if (11u < D4) { a11 += g * z11; }
if (12u < D4) { a12 += g * z12; }
if (13u < D4) { a13 += g * z13; }
if (14u < D4) { a14 += g * z14; }
if (15u < D4) { a15 += g * z15; }
