// The workgroup tile of the tiled GEMM-shaped kernels (linear.tiled.wgsl, conv2d.tiled.wgsl):
// a WG_Y x WG_X grid of invocations, each owning a 4 x 4 block of the output; operands are
// staged BK reduction slots at a time. The including shader declares WG_X and WG_Y.

// Reduction slots per stage; a multiple of 4 so a padded K never splits a vec4 between slices.
const BK: u32 = 16u;

// As[k * WG_Y + i][e] = A[tile row 4i + e, k0 + k];  Bs[k * WG_X + j][e] = B[k0 + k, tile column 4j + e].
var<workgroup> As: array<vec4<f32>, BK * WG_Y>;
var<workgroup> Bs: array<vec4<f32>, BK * WG_X>;

// One slice of rank-1 updates: acc[r] += A[m0 + r, k] * B[k, n..n+3] for the BK k of the slice.
// Slots past K hold zeros, so a partial last slice needs no special case.
fn multiply_slice(tx: u32, ty: u32, acc: ptr<function, array<vec4<f32>, 4>>) {
  for (var k = 0u; k < BK; k++) {
    let av = As[k * WG_Y + ty];
    let bv = Bs[k * WG_X + tx];
    (*acc)[0] += av.x * bv;
    (*acc)[1] += av.y * bv;
    (*acc)[2] += av.z * bv;
    (*acc)[3] += av.w * bv;
  }
}
