/** Rounds up to a multiple of 4: every stored matrix has rows and columns padded so (zeros). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}
