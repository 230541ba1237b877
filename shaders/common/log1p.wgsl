// log1p(e) for e in [0, 1] (WGSL has none): log(u) e / (u - 1) with u = 1 + e, exact to a few
// ulp (Goldberg 1991), and e itself when u rounds to 1. The stable softplus and BCE from logits
// need it: max(l, 0) - l x + log1p(exp(-|l|)).
fn log1p_small(e: f32) -> f32 {
  let u = 1.0 + e;
  return select(log(u) * e / (u - 1.0), e, u == 1.0);
}
