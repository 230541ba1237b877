// A keyed pseudo-random permutation of [0, n) and its inverse, for the sampled decoder's
// negatives; src/graph/negative_sampler.ts computes the same numbers and explains the layout.
//
// An unbalanced Feistel network on b = left_bits + right_bits bits (2^(b-1) < n <= 2^b): even
// rounds xor the left bits with mix32(right ^ key), odd rounds the right bits with mix32(left ^
// key). Each round leaves the side it reads untouched, so it is its own inverse and the inverse
// runs the rounds backwards. Values that land in [n, 2^b) are walked along their cycle until
// they come back into [n) (cycle walking): a bijection of [0, n) for every key. The walk ends
// because the cycle of an x < n contains x; each step leaves [0, n) with probability below 1/2.
//
// Keys: four Philox words per permutation; rounds 4 to 7 reuse them xored with KEY_SALT.

override FEISTEL_ROUNDS: u32 = 8u; // from negative_sampler.ts's FEISTEL_ROUNDS (the wrapper sets it)

const KEY_SALT: u32 = 0x9e3779b9u;

// Wellons' lowbias32: a 32-bit hash with full avalanche.
fn mix32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x21f0aaadu;
  h ^= h >> 15u;
  h *= 0x735a2d97u;
  h ^= h >> 15u;
  return h;
}

fn feistel_key(keys: vec4<u32>, i: u32) -> u32 {
  let k = keys[i & 3u];
  return select(k ^ KEY_SALT, k, i < 4u);
}

// One pass of the network over v in [0, 2^(left_bits + right_bits)), forward or inverse.
fn feistel(v: u32, keys: vec4<u32>, left_bits: u32, right_bits: u32, inverse: bool) -> u32 {
  let mask_l = (1u << left_bits) - 1u;
  let mask_r = (1u << right_bits) - 1u;
  var left = v >> right_bits;
  var right = v & mask_r;
  for (var s = 0u; s < FEISTEL_ROUNDS; s++) {
    let i = select(s, FEISTEL_ROUNDS - 1u - s, inverse);
    if ((i & 1u) == 0u) {
      left ^= mix32(right ^ feistel_key(keys, i)) & mask_l;
    } else {
      right ^= mix32(left ^ feistel_key(keys, i)) & mask_r;
    }
  }
  return (left << right_bits) | right;
}

// pi(x) for x < n, or pi^-1(x) with `inverse`.
fn permute_walk(x: u32, keys: vec4<u32>, n: u32, left_bits: u32, right_bits: u32, inverse: bool) -> u32 {
  var y = feistel(x, keys, left_bits, right_bits, inverse);
  while (y >= n) {
    y = feistel(y, keys, left_bits, right_bits, inverse);
  }
  return y;
}
