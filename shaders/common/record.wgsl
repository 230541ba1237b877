// One step's record in the loss history ring, which the host reads back every few steps
// without stalling (src/gpu/history.ts reads it by member name against this declaration).

struct Record {
  recon: f32,   // batch sums of the live rows (the loss kernel's `total`)
  kl: f32,
  count: u32,
  t: u32,
  grad_sq: f32, // squared L2 norm of the step's whole gradient (adam.grad_norm)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}
