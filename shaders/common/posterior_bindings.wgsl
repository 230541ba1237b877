// The bindings both posterior-sampling kernels share (reparameterize.wgsl for log variances,
// gaussian_logstd.wgsl for log standard deviations): each declares its own `Dims` and adds its
// outputs from @binding(7) on. head rows are [mu | log scale]; eps_in is read by the
// forward_given and backward entries, eps_out written by forward_sample and forward_mean.

#include "step.wgsl"

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> head: array<f32>;
@group(0) @binding(3) var<storage, read> eps_in: array<f32>;
@group(0) @binding(4) var<storage, read> dz: array<f32>;
@group(0) @binding(5) var<storage, read_write> z: array<f32>;
@group(0) @binding(6) var<storage, read_write> eps_out: array<f32>;
