// Activations fused onto a layer's output, and the derivative of an activation fused onto an
// input gradient. Included by every layer kernel (linear, conv2d, spmm) in both variants.
//
//   none        y = v                                   dy/dv = 1
//   relu        y = max(v, 0)                           dy/dv = [y > 0]
//   leaky_relu  y = v if v > 0 else slope v             dy/dv = 1 if y > 0 else slope   (slope >= 0)
//   elu         y = v if v > 0 else alpha (e^v - 1)     dy/dv = 1 if y > 0 else y + alpha
//   tanh        y = tanh(v)                             dy/dv = 1 - y^2
//   sigmoid     y = 1 / (1 + e^-v)                      dy/dv = y (1 - y)
//
// Every derivative is written in terms of the output y, so back-propagation needs only the
// activation the forward pass stored: the input gradient of a layer is multiplied by the
// derivative of the previous layer's activation, read from that layer's output (its `mask`
// binding). ReLU's is a select, not a product, so a ReLU network computes what it did before
// activations other than ReLU existed, bit for bit.
//
// tanh's argument is clamped to [-10, 10] (tanh(10) rounds to 1 in f32; the clamp avoids an
// overflowing exp inside some tanh implementations), sigmoid's to [-80, 80] (exp(80) is finite).
//
// The codes are the ACT_* constants below; the TypeScript side reads them from this file
// (src/layers/activation.ts), so they are written once.

const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_LEAKY_RELU: u32 = 2u;
const ACT_ELU: u32 = 3u;
const ACT_TANH: u32 = 4u;
const ACT_SIGMOID: u32 = 5u;

override ACT: u32 = 0u;         // the output's activation (forward products)
override ACT_PARAM: f32 = 0.0;  // its slope (leaky_relu) or alpha (elu)
override MASK_ACT: u32 = 0u;    // input gradients: times the derivative of this activation of `mask`
override MASK_PARAM: f32 = 0.0; // its slope or alpha

// The output activation ACT of four values.
fn activate4(v: vec4<f32>) -> vec4<f32> {
  if (ACT == ACT_RELU) { return max(v, vec4<f32>(0.0)); }
  if (ACT == ACT_LEAKY_RELU) { return select(ACT_PARAM * v, v, v > vec4<f32>(0.0)); }
  if (ACT == ACT_ELU) { return select(ACT_PARAM * (exp(min(v, vec4<f32>(0.0))) - 1.0), v, v > vec4<f32>(0.0)); }
  if (ACT == ACT_TANH) { return tanh(clamp(v, vec4<f32>(-10.0), vec4<f32>(10.0))); }
  if (ACT == ACT_SIGMOID) { return 1.0 / (1.0 + exp(-clamp(v, vec4<f32>(-80.0), vec4<f32>(80.0)))); }
  return v;
}

fn activate(v: f32) -> f32 {
  return activate4(vec4<f32>(v)).x;
}

// g times the derivative of MASK_ACT at the point whose output is y (g unchanged when MASK_ACT
// is none).
fn masked4(g: vec4<f32>, y: vec4<f32>) -> vec4<f32> {
  if (MASK_ACT == ACT_RELU) { return select(vec4<f32>(0.0), g, y > vec4<f32>(0.0)); }
  if (MASK_ACT == ACT_LEAKY_RELU) { return select(MASK_PARAM * g, g, y > vec4<f32>(0.0)); }
  if (MASK_ACT == ACT_ELU) { return select((y + MASK_PARAM) * g, g, y > vec4<f32>(0.0)); }
  if (MASK_ACT == ACT_TANH) { return (1.0 - y * y) * g; }
  if (MASK_ACT == ACT_SIGMOID) { return y * (1.0 - y) * g; }
  return g;
}

// Zeroes the lanes of columns col0..col0+3 at or past `live`. Padded columns must stay zero
// (the next layer's weights meet them with their own zero padding, and a weight gradient would
// learn from them otherwise); only sigmoid, the one activation with act(0) != 0, can fill them.
fn live_columns(y: vec4<f32>, col0: u32, live: u32) -> vec4<f32> {
  if (ACT != ACT_SIGMOID) { return y; }
  return select(vec4<f32>(0.0), y, vec4<u32>(col0) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(live));
}

fn masked(g: f32, y: f32) -> f32 {
  return masked4(vec4<f32>(g), vec4<f32>(y)).x;
}
