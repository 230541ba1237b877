// The shader loop limit probe (src/gpu/loop_limit.ts) on the test device: Dawn, on SwiftShader
// or a GPU, runs every iteration. (Firefox on Mesa's lavapipe does not: the page test checks
// the adapter line's warning there against a loop of its own.)
import { describe, expect, it } from 'vitest';
import { LOOP_PROBE_ITERATIONS, shaderLoopLimit } from '../../src/gpu/loop_limit.js';
import { testGpu } from '../util/gpu.js';

describe('shader loop limit', () => {
  it('finds no limit on Dawn: all of the probe\'s iterations run', async () => {
    const { device } = await testGpu();
    expect(LOOP_PROBE_ITERATIONS).toBe(131_072);
    expect(await shaderLoopLimit(device)).toBeNull();
  });
});
