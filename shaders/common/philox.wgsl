// Philox4x32-10 (Salmon et al. 2011) and standard normals from it, keyed by (seed, counter,
// element) so that every run is reproducible and the CPU uploads no noise; src/philox.ts
// computes the same numbers.

// 32x32 -> high 32 bits, from 16-bit halves: WGSL has no widening multiply.
fn mulhi(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

fn philox4x32_10(ctr_in: vec4<u32>, key_in: vec2<u32>) -> vec4<u32> {
  var c = ctr_in;
  var k = key_in;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k += vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}

// Standard normal number `element` of the stream (seed, t): Box-Muller on a pair of 24-bit
// uniforms of block element / 4. u1 in (0, 1] keeps log finite; the angle is in [-pi, pi), the
// range where WGSL states cos/sin accuracy.
fn philox_normal(seed: u32, t: u32, element: u32) -> f32 {
  let x = philox4x32_10(vec4<u32>(element / 4u, t, 0u, 0u), vec2<u32>(seed, 0u));
  let lane = element % 4u;
  let pair = select(x.xy, x.zw, lane >= 2u);
  let u1 = f32((pair.x >> 8u) + 1u) * (1.0 / 16777216.0);
  let theta = f32(pair.y >> 8u) * (6.283185307179586 / 16777216.0) - 3.141592653589793;
  let r = sqrt(-2.0 * log(u1));
  return select(r * cos(theta), r * sin(theta), (lane & 1u) == 1u);
}
