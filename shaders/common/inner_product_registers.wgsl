// The register blocks of inner_product_loss's `rows` (both variants), included inside the
// function after `zr` (the first vec4 of z_i): z_i in zi0..zi15 and its gradient accumulator
// in a0..a15, each block guarded by `k < D4` (a pipeline constant, so the compiler drops the
// unused ones). Named registers, not arrays: SwiftShader does not unroll loops, and an array
// indexed in one stays in memory (5 times slower on Cora's shape).
var zi0 = vec4<f32>(0.0);
var zi1 = vec4<f32>(0.0);
var zi2 = vec4<f32>(0.0);
var zi3 = vec4<f32>(0.0);
var zi4 = vec4<f32>(0.0);
var zi5 = vec4<f32>(0.0);
var zi6 = vec4<f32>(0.0);
var zi7 = vec4<f32>(0.0);
var zi8 = vec4<f32>(0.0);
var zi9 = vec4<f32>(0.0);
var zi10 = vec4<f32>(0.0);
var zi11 = vec4<f32>(0.0);
var zi12 = vec4<f32>(0.0);
var zi13 = vec4<f32>(0.0);
var zi14 = vec4<f32>(0.0);
var zi15 = vec4<f32>(0.0);
if (0u < D4) { zi0 = z[zr + 0u]; }
if (1u < D4) { zi1 = z[zr + 1u]; }
if (2u < D4) { zi2 = z[zr + 2u]; }
if (3u < D4) { zi3 = z[zr + 3u]; }
if (4u < D4) { zi4 = z[zr + 4u]; }
if (5u < D4) { zi5 = z[zr + 5u]; }
if (6u < D4) { zi6 = z[zr + 6u]; }
if (7u < D4) { zi7 = z[zr + 7u]; }
if (8u < D4) { zi8 = z[zr + 8u]; }
if (9u < D4) { zi9 = z[zr + 9u]; }
if (10u < D4) { zi10 = z[zr + 10u]; }
if (11u < D4) { zi11 = z[zr + 11u]; }
if (12u < D4) { zi12 = z[zr + 12u]; }
if (13u < D4) { zi13 = z[zr + 13u]; }
if (14u < D4) { zi14 = z[zr + 14u]; }
if (15u < D4) { zi15 = z[zr + 15u]; }
var a0 = vec4<f32>(0.0);
var a1 = vec4<f32>(0.0);
var a2 = vec4<f32>(0.0);
var a3 = vec4<f32>(0.0);
var a4 = vec4<f32>(0.0);
var a5 = vec4<f32>(0.0);
var a6 = vec4<f32>(0.0);
var a7 = vec4<f32>(0.0);
var a8 = vec4<f32>(0.0);
var a9 = vec4<f32>(0.0);
var a10 = vec4<f32>(0.0);
var a11 = vec4<f32>(0.0);
var a12 = vec4<f32>(0.0);
var a13 = vec4<f32>(0.0);
var a14 = vec4<f32>(0.0);
var a15 = vec4<f32>(0.0);
