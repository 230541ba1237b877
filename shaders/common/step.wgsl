// The per-step uniform, bound at @binding(1) by the kernels of a training step (reparameterize,
// the loss kernels, adam) and written once per step by the host (src/kernels/step_uniforms.ts
// packs it by member name against this declaration).

struct Step {
  t: u32,            // the training step, 1-based: Adam's t and the noise counter
  seed: u32,
  count: u32,        // live rows this step
  history_slot: u32, // where the loss kernel's `total` writes this step's record
  step_size: f32,    // Adam: lr / (1 - beta1^t)
  bc2_sqrt: f32,     // Adam: sqrt(1 - beta2^t)
  kl_weight: f32,    // beta of the KL term this step (beta-VAE weight times the warm-up ramp)
  _pad: u32,
}
