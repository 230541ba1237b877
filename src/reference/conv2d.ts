/**
 * The specification of the convolution layers: float64 plain loops with PyTorch's semantics
 * (Conv2d and ConvTranspose2d: square kernel, stride, zero padding, output padding, bias).
 *
 * Arrays are unpadded NCHW: x[b, c, i, j] at ((b C + c) H + i) W + j. Weights are PyTorch's
 * layouts: Conv2d [cout, cin, k, k], ConvTranspose2d [cin, cout, k, k]. Each function follows
 * its layer's definition directly (the transposed layer's forward scatters, its input gradient
 * gathers), not the duality between the two layers that the GPU kernels use, so the kernel
 * tests check that duality. Outputs first, then inputs, then sizes.
 */
import { convOutputSize, validateConvGeometry, type Conv2dGeometry } from '../layers/conv2d_geometry.js';
import { activateAll, maskAll, type Activation } from '../layers/activation.js';
import type { RefMask } from './linear.js';

// ---------------------------------------------------------------- conv2d

/**
 * y[b, o, oy, ox] = bias[o] + sum_{i, ky, kx} x[b, i, oy s - p + ky, ox s - p + kx] w[o, i, ky, kx],
 * x being zero outside the image; then the activation.
 */
export function conv2dForward(
  y: Float64Array, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, g: Conv2dGeometry, act: Activation,
): void {
  validateConvGeometry('conv2d', g);
  const { ho, wo } = convOutputSize('conv2d', g);
  const { rows, cin, h, w: wi, cout, k, stride: s, padding: p } = g;
  for (let b = 0; b < rows; b++) {
    for (let o = 0; o < cout; o++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          let acc = bias[o];
          for (let i = 0; i < cin; i++) {
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * s - p + ky;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * s - p + kx;
                if (ix < 0 || ix >= wi) continue;
                acc += x[((b * cin + i) * h + iy) * wi + ix] * w[((o * cin + i) * k + ky) * k + kx];
              }
            }
          }
          y[((b * cout + o) * ho + oy) * wo + ox] = acc;
        }
      }
    }
  }
  activateAll(act, y.subarray(0, rows * cout * ho * wo));
}

/**
 * dx = d(sum dy . y)/dx for y = conv2d(x): every product x[b, i, iy, ix] w[o, i, ky, kx] of the
 * forward sends dy[b, o, oy, ox] w[o, i, ky, kx] back to its x. Then times act'(mask) when a
 * mask is given (the previous layer's activation output, as in the linear layer).
 */
export function conv2dBackwardInput(
  dx: Float64Array, dy: ArrayLike<number>, w: ArrayLike<number>, mask: RefMask | null, g: Conv2dGeometry,
): void {
  validateConvGeometry('conv2d', g);
  const { ho, wo } = convOutputSize('conv2d', g);
  const { rows, cin, h, w: wi, cout, k, stride: s, padding: p } = g;
  dx.fill(0, 0, rows * cin * h * wi);
  for (let b = 0; b < rows; b++) {
    for (let o = 0; o < cout; o++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          const d = dy[((b * cout + o) * ho + oy) * wo + ox];
          for (let i = 0; i < cin; i++) {
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * s - p + ky;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * s - p + kx;
                if (ix < 0 || ix >= wi) continue;
                dx[((b * cin + i) * h + iy) * wi + ix] += d * w[((o * cin + i) * k + ky) * k + kx];
              }
            }
          }
        }
      }
    }
  }
  if (mask) maskAll(mask.act, dx.subarray(0, rows * cin * h * wi), mask.y);
}

/** dw[o, i, ky, kx] = sum_{b, oy, ox} dy[b, o, oy, ox] x[b, i, oy s - p + ky, ox s - p + kx]; db[o] = sum dy[b, o, :, :]. */
export function conv2dBackwardWeight(
  dw: Float64Array, db: Float64Array, dy: ArrayLike<number>, x: ArrayLike<number>, g: Conv2dGeometry,
): void {
  validateConvGeometry('conv2d', g);
  const { ho, wo } = convOutputSize('conv2d', g);
  const { rows, cin, h, w: wi, cout, k, stride: s, padding: p } = g;
  dw.fill(0, 0, cout * cin * k * k);
  db.fill(0, 0, cout);
  for (let b = 0; b < rows; b++) {
    for (let o = 0; o < cout; o++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          const d = dy[((b * cout + o) * ho + oy) * wo + ox];
          db[o] += d;
          for (let i = 0; i < cin; i++) {
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * s - p + ky;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * s - p + kx;
                if (ix < 0 || ix >= wi) continue;
                dw[((o * cin + i) * k + ky) * k + kx] += d * x[((b * cin + i) * h + iy) * wi + ix];
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- conv_transpose2d

/**
 * PyTorch's definition: every input pixel scatters its kernel,
 * y[b, o, iy s - p + ky, ix s - p + kx] += x[b, i, iy, ix] w[i, o, ky, kx], keeping the targets
 * inside the (h - 1) s - 2p + k + op square; then bias, then the activation.
 */
export function convTranspose2dForward(
  y: Float64Array, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, g: Conv2dGeometry, act: Activation,
): void {
  validateConvGeometry('conv_transpose2d', g);
  const { ho, wo } = convOutputSize('conv_transpose2d', g);
  const { rows, cin, h, w: wi, cout, k, stride: s, padding: p } = g;
  for (let b = 0; b < rows; b++) {
    for (let o = 0; o < cout; o++) y.fill(bias[o], (b * cout + o) * ho * wo, (b * cout + o + 1) * ho * wo);
    for (let i = 0; i < cin; i++) {
      for (let iy = 0; iy < h; iy++) {
        for (let ix = 0; ix < wi; ix++) {
          const v = x[((b * cin + i) * h + iy) * wi + ix];
          for (let o = 0; o < cout; o++) {
            for (let ky = 0; ky < k; ky++) {
              const oy = iy * s - p + ky;
              if (oy < 0 || oy >= ho) continue;
              for (let kx = 0; kx < k; kx++) {
                const ox = ix * s - p + kx;
                if (ox < 0 || ox >= wo) continue;
                y[((b * cout + o) * ho + oy) * wo + ox] += v * w[((i * cout + o) * k + ky) * k + kx];
              }
            }
          }
        }
      }
    }
  }
  activateAll(act, y.subarray(0, rows * cout * ho * wo));
}

/**
 * dx[b, i, iy, ix] = sum_{o, ky, kx} dy[b, o, iy s - p + ky, ix s - p + kx] w[i, o, ky, kx]
 * (the forward's scatter read backwards), then times act'(mask) when a mask is given.
 */
export function convTranspose2dBackwardInput(
  dx: Float64Array, dy: ArrayLike<number>, w: ArrayLike<number>, mask: RefMask | null, g: Conv2dGeometry,
): void {
  validateConvGeometry('conv_transpose2d', g);
  const { ho, wo } = convOutputSize('conv_transpose2d', g);
  const { rows, cin, h, w: wi, cout, k, stride: s, padding: p } = g;
  for (let b = 0; b < rows; b++) {
    for (let i = 0; i < cin; i++) {
      for (let iy = 0; iy < h; iy++) {
        for (let ix = 0; ix < wi; ix++) {
          let acc = 0;
          for (let o = 0; o < cout; o++) {
            for (let ky = 0; ky < k; ky++) {
              const oy = iy * s - p + ky;
              if (oy < 0 || oy >= ho) continue;
              for (let kx = 0; kx < k; kx++) {
                const ox = ix * s - p + kx;
                if (ox < 0 || ox >= wo) continue;
                acc += dy[((b * cout + o) * ho + oy) * wo + ox] * w[((i * cout + o) * k + ky) * k + kx];
              }
            }
          }
          dx[((b * cin + i) * h + iy) * wi + ix] = acc;
        }
      }
    }
  }
  if (mask) maskAll(mask.act, dx.subarray(0, rows * cin * h * wi), mask.y);
}

/** dw[i, o, ky, kx] = sum_{b, iy, ix} x[b, i, iy, ix] dy[b, o, iy s - p + ky, ix s - p + kx]; db[o] = sum dy[b, o, :, :]. */
export function convTranspose2dBackwardWeight(
  dw: Float64Array, db: Float64Array, dy: ArrayLike<number>, x: ArrayLike<number>, g: Conv2dGeometry,
): void {
  validateConvGeometry('conv_transpose2d', g);
  const { ho, wo } = convOutputSize('conv_transpose2d', g);
  const { rows, cin, h, w: wi, cout, k, stride: s, padding: p } = g;
  dw.fill(0, 0, cin * cout * k * k);
  db.fill(0, 0, cout);
  for (let b = 0; b < rows; b++) {
    for (let o = 0; o < cout; o++) for (let n = 0; n < ho * wo; n++) db[o] += dy[(b * cout + o) * ho * wo + n];
    for (let i = 0; i < cin; i++) {
      for (let iy = 0; iy < h; iy++) {
        for (let ix = 0; ix < wi; ix++) {
          const v = x[((b * cin + i) * h + iy) * wi + ix];
          for (let o = 0; o < cout; o++) {
            for (let ky = 0; ky < k; ky++) {
              const oy = iy * s - p + ky;
              if (oy < 0 || oy >= ho) continue;
              for (let kx = 0; kx < k; kx++) {
                const ox = ix * s - p + kx;
                if (ox < 0 || ox >= wo) continue;
                dw[((i * cout + o) * k + ky) * k + kx] += v * dy[((b * cout + o) * ho + oy) * wo + ox];
              }
            }
          }
        }
      }
    }
  }
}
