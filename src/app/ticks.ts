/** Axis ticks for the loss charts' log-like (arcsinh) scales. */

/**
 * Tick values for a log axis over [min, max] that need not span a decade: 1-2-5 steps, or,
 * when that gives fewer than three ticks, every digit; then halves (two ticks are enough for
 * so narrow a range), then tenths of a digit.
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max > min)) return [];
  const pick = (mantissas: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of mantissas) {
        // Rounded so that 3 * 10^-1 is 0.3, not 0.30000000000000004.
        const v = Number((m * 10 ** e).toPrecision(6));
        if (v >= min && v <= max) out.push(v);
      }
    }
    return out;
  };
  const steps = (step: number) => Array.from({ length: Math.round(9 / step) }, (_, i) => Number((1 + i * step).toFixed(1)));
  let ticks: number[] = [];
  for (const [mantissas, enough] of [[[1, 2, 5], 3], [steps(1), 3], [steps(0.5), 2], [steps(0.1), 0]] as const) {
    ticks = pick([...mantissas]);
    if (ticks.length >= enough) break;
  }
  return ticks;
}

/**
 * Ticks for an arcsinh axis over [min, max], which may include zero and negative values (a
 * Gaussian decoder's loss is a negative log density and goes below zero): logTicks for a range
 * of one sign, mirrored for negatives; across zero, 0 and the 1-2-5 ticks from 1 outwards on
 * each side.
 */
export function symlogTicks(min: number, max: number): number[] {
  if (!(max > min)) return [];
  if (min > 0) return logTicks(min, max);
  if (max < 0) return logTicks(-max, -min).map((v) => -v).reverse();
  const neg = min <= -1 ? logTicks(1, -min).map((v) => -v).reverse() : [];
  const pos = max >= 1 ? logTicks(1, max) : [];
  return [...neg, 0, ...pos];
}

/** [min, max] padded by 15% on a log-like scale, whatever the signs. */
export function paddedRange(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [1, 1000];
  return [min > 0 ? min / 1.15 : min * 1.15 - (min === 0 ? 1 : 0), max > 0 ? max * 1.15 : max / 1.15 + (max === 0 ? 1 : 0)];
}

/** 0.05, 3, 250, 1,000, -1,085; uPlot passes null for ticks it leaves unlabelled. */
export function tickText(v: number | null): string {
  if (v === null || v === undefined) return '';
  return Math.abs(v) >= 1 ? v.toLocaleString('en') : String(Number(v.toPrecision(2)));
}
