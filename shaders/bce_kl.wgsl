// bce_kl: the Bernoulli decoder's VAE loss and its gradient in one pass, then the batch total.
// Everything but the per-pixel term is common/loss.wgsl, which gaussian_kl.wgsl shares.
//
//   recon_r = sum_p max(l,0) - l x + log1p(exp(-|l|))        dl = sigmoid(l) - x
//
// BCE from logits is the stable form: computing sigmoid then log() loses precision and gives
// -inf at saturation. WGSL has no log1p, so log1p(e) = log(u) * e / (u - 1) with u = 1 + e
// (exact to a few ulp, Goldberg 1991), and e itself when u rounds to 1.

#include "common/loss.wgsl"

fn log1p_small(e: f32) -> f32 {
  let u = 1.0 + e;
  return select(log(u) * e / (u - 1.0), e, u == 1.0);
}

// -log p(x | l) for logit l and its derivative in l.
fn pixel_loss(l: f32, x: f32) -> vec2<f32> {
  let e = exp(-abs(l));
  let sig = select(e / (1.0 + e), 1.0 / (1.0 + e), l >= 0.0);
  return vec2<f32>(max(l, 0.0) - l * x + log1p_small(e), sig - x);
}

fn row_constant() -> f32 {
  return 0.0;
}
