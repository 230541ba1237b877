// bce_kl: the Bernoulli decoder's VAE loss and its gradient in one pass, then the batch total.
// Everything but the per-pixel term is common/loss.wgsl, which gaussian_kl.wgsl shares.
//
//   recon_r = sum_p max(l,0) - l x + log1p(exp(-|l|))        dl = sigmoid(l) - x
//
// BCE from logits is the stable form: computing sigmoid then log() loses precision and gives
// -inf at saturation (log1p_small: common/log1p.wgsl).

#include "common/loss.wgsl"
#include "common/log1p.wgsl"

// -log p(x | l) for logit l and its derivative in l.
fn pixel_loss(l: f32, x: f32) -> vec2<f32> {
  let e = exp(-abs(l));
  let sig = select(e / (1.0 + e), 1.0 / (1.0 + e), l >= 0.0);
  return vec2<f32>(max(l, 0.0) - l * x + log1p_small(e), sig - x);
}

fn row_constant() -> f32 {
  return 0.0;
}
