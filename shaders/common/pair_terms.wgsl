// The loss terms and gradient of one decoder pair, from the logit x = z_i . z_j: both decoders'
// (inner_product_loss.wgsl, sampled_edge_loss.wgsl). softplus(x) = max(x, 0) + log1p(exp(-|x|)),
// stable at saturation, with log1p from log1p.wgsl.

#include "log1p.wgsl"

// One pair's terms: (softplus(x) if a non-edge, softplus(-x) if an edge, g / pos_weight^y).
// An edge's gradient is sigmoid(x) - 1 = -sigmoid(-x) (the exact decoder weights it by pos_weight).
fn pair_terms(x: f32, edge: bool) -> vec3<f32> {
  let e = exp(-abs(x));
  let lp = log1p_small(e);
  let inv = 1.0 / (1.0 + e);
  let sig = select(e * inv, inv, x >= 0.0);     // sigmoid(x)
  let sig_neg = select(inv, e * inv, x >= 0.0); // sigmoid(-x)
  if (edge) { return vec3<f32>(0.0, max(-x, 0.0) + lp, -sig_neg); }
  return vec3<f32>(max(x, 0.0) + lp, 0.0, sig);
}
