// The activations' float64 reference against central finite differences: each derivative as
// back-propagation uses it (read from the activation's output), and through two layers, where the
// second layer's input gradient carries the first layer's activation.
import { describe, expect, it } from 'vitest';
import { activate, activationGrad, ACTIVATIONS, type Activation } from '../../src/layers/activation.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from '../../src/reference/linear.js';
import { seededUniform } from '../util/data.js';

/** Every activation, with a parameter other than the default where it has one. */
const CASES: Activation[] = [
  ...ACTIVATIONS.map((kind) => ({ kind, param: kind === 'leaky_relu' ? 0.01 : kind === 'elu' ? 1 : 0 })),
  { kind: 'leaky_relu', param: 0.2 },
  { kind: 'elu', param: 0.5 },
];
const text = (a: Activation) => `${a.kind}${a.param ? `(${a.param})` : ''}`;

describe('activation derivatives, read from the output, against central differences', () => {
  for (const a of CASES) {
    it(text(a), () => {
      // Points away from the kinks at 0 (relu, leaky_relu, elu with alpha != 1), where the
      // one-sided derivatives differ and a central difference straddling 0 means nothing.
      const v = seededUniform(200, 11, -4, 4).map((x) => (Math.abs(x) < 0.05 ? x + Math.sign(x || 1) * 0.1 : x));
      const h = 1e-6;
      let worst = 0;
      for (const x of v) {
        const fd = (activate(a, x + h) - activate(a, x - h)) / (2 * h);
        const analytic = activationGrad(a, activate(a, x));
        worst = Math.max(worst, Math.abs(fd - analytic) / Math.max(1, Math.abs(fd)));
      }
      // Central differences of smooth functions at h = 1e-6 are good to about 1e-9.
      expect(worst, `${text(a)}: worst relative difference`).toBeLessThan(1e-7);
    });
  }

  it('the derivatives that distinguish the kinds are not all 1 (the test can fail)', () => {
    const y = CASES.map((a) => activationGrad(a, activate(a, -0.7)));
    expect(new Set(y.map((g) => g.toFixed(6))).size).toBeGreaterThan(4);
  });
});

describe('two linear layers: the first one\'s activation, back-propagated by the second one\'s input gradient', () => {
  // x [B, I] -> linear(W1, b1) + act -> h [B, H] -> linear(W2, b2) -> y [B, O]; loss = sum c * y.
  const [B, I, H, O] = [3, 5, 7, 4];
  const x = seededUniform(B * I, 1, -1, 1);
  const w1 = seededUniform(H * I, 2, -1, 1);
  const b1 = seededUniform(H, 3, -0.5, 0.5);
  const w2 = seededUniform(O * H, 4, -1, 1);
  const b2 = seededUniform(O, 5, -1, 1);
  const c = seededUniform(B * O, 6, -1, 1);

  for (const a of CASES) {
    it(`${text(a)}: dW1, db1 and dx`, () => {
      const loss = (xv: ArrayLike<number>, w1v: ArrayLike<number>, b1v: ArrayLike<number>) => {
        const h = new Float64Array(B * H);
        linearForward(h, xv, w1v, b1v, B, I, H, a);
        const y = new Float64Array(B * O);
        linearForward(y, h, w2, b2, B, H, O, { kind: 'none', param: 0 });
        return y.reduce((s, v, i) => s + c[i] * v, 0);
      };
      const h = new Float64Array(B * H);
      linearForward(h, x, w1, b1, B, I, H, a);
      // dL/dh, then through the activation (the mask of layer 2's input gradient).
      const dh = new Float64Array(B * H);
      linearBackwardInput(dh, c, w2, { y: h, act: a }, B, H, O);
      const dw1 = new Float64Array(H * I);
      const db1 = new Float64Array(H);
      linearBackwardWeight(dw1, db1, dh, x, B, I, H);
      const dx = new Float64Array(B * I);
      linearBackwardInput(dx, dh, w1, null, B, I, H);
      const fd = (p: Float64Array, f: () => number) =>
        Float64Array.from(p, (v, i) => {
          p[i] = v + 1e-6;
          const up = f();
          p[i] = v - 1e-6;
          const down = f();
          p[i] = v;
          return (up - down) / 2e-6;
        });
      const w1c = Float64Array.from(w1);
      const b1c = Float64Array.from(b1);
      const xc = Float64Array.from(x);
      for (const [name, got, want] of [
        ['dW1', dw1, fd(w1c, () => loss(x, w1c, b1))],
        ['db1', db1, fd(b1c, () => loss(x, w1, b1c))],
        ['dx', dx, fd(xc, () => loss(xc, w1, b1))],
      ] as const) {
        let num = 0;
        let den = 0;
        for (let i = 0; i < got.length; i++) {
          num += (got[i] - want[i]) ** 2;
          den += want[i] ** 2;
        }
        // A pre-activation within h of a kink would make one difference one-sided; the seeded
        // data's pre-activations are all at least 0.03 away from 0.
        expect(Math.sqrt(num / Math.max(den, 1e-30)), `${text(a)} ${name}`).toBeLessThan(1e-6);
        expect(den, `${text(a)} ${name}: all zero, the check would be empty`).toBeGreaterThan(0);
      }
    });
  }
});
