// Goodness of fit for the samplers' tests.

/** Pearson's statistic sum (observed - expected)^2 / expected over cells with equal expectation. */
export function chiSquare(counts: ArrayLike<number>, expected: number): number {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += (counts[i] - expected) ** 2 / expected;
  return s;
}

/**
 * The chi-square quantile with `df` degrees of freedom whose upper tail is the standard normal's
 * beyond z (z = 3.72: 1e-4), by Wilson and Hilferty's cube-root approximation (accurate to a few
 * percent of the quantile for df >= 10, far finer than the gaps a biased sampler opens).
 */
export function chiSquareQuantile(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
