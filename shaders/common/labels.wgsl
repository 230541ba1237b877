// Lookups in the decoder's labels (A_train + I as sorted neighbour lists), for shaders that bind
// their column indices as `label_idx`.

// First position in label_idx[lo, hi) holding a column >= v.
fn lower_bound(lo: u32, hi: u32, v: u32) -> u32 {
  var a = lo;
  var b = hi;
  while (a < b) {
    let m = (a + b) / 2u;
    if (label_idx[m] < v) { a = m + 1u; } else { b = m; }
  }
  return a;
}

fn label_at(p: u32, end: u32) -> u32 {
  if (p < end) { return label_idx[p]; }
  return 0xffffffffu;
}
