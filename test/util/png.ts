// Reading decoded PNGs in tests.
import type { decode } from 'fast-png';

/** A PNG as fast-png decodes it. */
export type Png = ReturnType<typeof decode>;

/** The colour of pixel (x, y) of an 8-bit RGB(A) PNG, as '#rrggbb'. */
export function colorAt(png: Png, x: number, y: number): string {
  const o = png.channels * (y * png.width + x);
  return `#${[0, 1, 2].map((k) => png.data[o + k].toString(16).padStart(2, '0')).join('')}`;
}

/** How many pixels of each colour lie in a rectangle of the picture. */
export function colorCounts(png: Png, r: { x: number; y: number; width: number; height: number }): Map<string, number> {
  const counts = new Map<string, number>();
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let x = r.x; x < r.x + r.width; x++) {
      const c = colorAt(png, x, y);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  return counts;
}
