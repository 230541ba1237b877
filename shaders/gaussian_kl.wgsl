// gaussian_kl: the Gaussian decoder's VAE loss and its gradient in one pass, then the batch total.
// Everything but the per-pixel term is common/loss.wgsl, which bce_kl.wgsl shares.
//
//   recon_r = sum_p (x - m)^2 / (2 sigma^2) + P log(sigma sqrt(2 pi))      dm = (m - x) / sigma^2
//
// where m is the decoder's output (the mean, no activation) and sigma the fixed standard
// deviation of every pixel. recon is -log N(x; m, sigma^2), so recon + kl is the negative ELBO
// in nats; as a log density of continuous pixels it goes below zero as the model fits and does
// not compare with bce_kl's negative log probabilities. The squared error needs no special care
// for stability; 1/sigma^2 and the per-row normaliser come from the host in float64 (dims.inv_var,
// dims.log_norm). A sum of squares in f32 over 784 pixels errs by ~1e-7 relative.

#include "common/loss.wgsl"

// -log N(x; m, sigma^2) without the normaliser, and its derivative in m.
fn pixel_loss(m: f32, x: f32) -> vec2<f32> {
  let d = m - x;
  return vec2<f32>(0.5 * d * d * dims.inv_var, d * dims.inv_var);
}

fn row_constant() -> f32 {
  return dims.log_norm;
}
