// Shader loop limit probe: one invocation runs a loop of `n` iterations, each reading one word
// of `ones` (so the compiler cannot replace the loop by its count), and writes how many ran.
// A conforming implementation runs them all. Mesa's lavapipe (llvmpipe's loop limiter) ends an
// invocation's loops after about 65,535 iterations in all, without an error: long reductions
// then come out short (src/gpu/loop_limit.ts says which kernels that touches).
//
// probe.n: iterations to run; ones: [1, 1]; ran[0]: iterations that ran.

struct Probe {
  n: u32,
}

@group(0) @binding(0) var<uniform> probe: Probe;
@group(0) @binding(1) var<storage, read> ones: array<u32>;
@group(0) @binding(2) var<storage, read_write> ran: array<u32>;

@compute @workgroup_size(1)
fn main() {
  var count = 0u;
  for (var i = 0u; i < probe.n; i++) {
    count += ones[i & 1u];
  }
  ran[0] = count;
}
