// logvar is clamped to this inside exp() only (f32 exp overflows past ~88.7); where it is
// clamped no gradient flows through exp. src/reference/vae.ts uses the same value.
const LOGVAR_CLAMP: f32 = 80.0;
