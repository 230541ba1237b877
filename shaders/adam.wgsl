// adam: one bias-corrected Adam update of the whole flat parameter arena, in one dispatch, and
// the gradient-norm summary that the host checks for divergence.
//
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= step_size * m / (sqrt(v) / bc2_sqrt + eps),  step_size = lr / (1 - b1^t), bc2_sqrt = sqrt(1 - b2^t)
//
// This is torch.optim.Adam's order of operations (eps added after the bias correction of v).
// step_size and bc2_sqrt change every step and come from the shared per-step uniform, computed
// on the host in float64. Padding and alignment gaps in the arena hold zero gradients, which
// leave their zero parameters and moments unchanged.

struct Hyper {
  n4: u32,     // arena length in vec4s
  row4: u32,   // vec4s per grid row (the grid is 2-D past 65535 workgroups)
  beta1: f32,
  beta2: f32,
  eps: f32,
  one_minus_beta1: f32, // 1 - beta1 and 1 - beta2 rounded once from float64 on the host:
  one_minus_beta2: f32, // computed here from f32 betas they would be off by 1e-5 relative
  _pad: u32,
}

#include "common/step.wgsl"
#include "common/record.wgsl"

@group(0) @binding(0) var<uniform> hyper: Hyper;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> v: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> history: array<Record>;

@compute @workgroup_size(64)
fn update(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * hyper.row4 + gid.x;
  if (i >= hyper.n4) { return; }
  let g = grads[i];
  let mi = hyper.beta1 * m[i] + hyper.one_minus_beta1 * g;
  let vi = hyper.beta2 * v[i] + hyper.one_minus_beta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  params[i] -= step.step_size * mi / (sqrt(vi) / step.bc2_sqrt + hyper.eps);
}

// The squared L2 norm of the whole gradient arena into this step's history record, so the host
// can watch for exploding or non-finite gradients on the CPU. One workgroup strides over the
// arena (a few MB: microseconds on a GPU) and reduces in workgroup memory.
const NORM_WG: u32 = 256u;
var<workgroup> partial: array<f32, NORM_WG>;

@compute @workgroup_size(NORM_WG)
fn grad_norm(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < hyper.n4; i += NORM_WG) {
    let g = grads[i];
    s += dot(g, g);
  }
  partial[lid] = s;
  for (var w = NORM_WG / 2u; w > 0u; w >>= 1u) {
    workgroupBarrier();
    if (lid < w) { partial[lid] += partial[lid + w]; }
  }
  if (lid == 0u) { history[step.history_slot].grad_sq = partial[0]; }
}
