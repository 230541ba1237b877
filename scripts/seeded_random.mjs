// A small seeded random source for the data generators (scripts/make_ecg_csv.mjs,
// scripts/make_shapes.mjs): mulberry32, 32-bit state, the same numbers on every platform.

/** Uniform draws in [0, 1), and normal draws (Box-Muller, one of the pair), from `seed`. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal, between: (a, b) => a + (b - a) * uniform() };
}
