// The divergence rule of the guard, for positive and negative losses.
import { describe, expect, it } from 'vitest';
import { lossExploded } from '../src/runtime/guard.js';

describe('lossExploded', () => {
  it('is "above 100 times the best" for losses of a nat or more (the Bernoulli decoder)', () => {
    expect(lossExploded(12_400, 124, 100)).toBe(false);
    expect(lossExploded(12_401, 124, 100)).toBe(true);
    expect(lossExploded(200, 124, 100)).toBe(false);
    expect(lossExploded(1e6, Infinity, 100)).toBe(false); // nothing seen yet
  });

  it('keeps working once the loss is negative (the Gaussian decoder): ordinary steps are not divergence', () => {
    // A fitted Gaussian decoder at sigma 0.1: best -500, the next steps wobble around it.
    expect(lossExploded(-480, -500, 100)).toBe(false);
    expect(lossExploded(-5, -6, 100)).toBe(false);
    expect(lossExploded(100, -500, 100)).toBe(false);
    // An explosion is still caught: 99 * 500 nats above the best.
    expect(lossExploded(-500 + 99 * 500 + 1, -500, 100)).toBe(true);
    expect(lossExploded(1e9, -500, 100)).toBe(true);
    // Near zero the scale is one nat.
    expect(lossExploded(98, 0, 100)).toBe(false);
    expect(lossExploded(100, 0, 100)).toBe(true);
  });
});
