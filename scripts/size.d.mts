// Types of the size check (scripts/size.mjs), for the TypeScript configs that import it.

/** Per page of scripts/size/: minified and gzipped bytes, the bundle's text and the files it holds. */
export interface PageSize {
  minified: number;
  gzipped: number;
  code: string;
  files: string[];
}

export const SIZE_GOALS: Record<string, number | null>;
export function buildLibrary(outdir: string): Promise<void>;
export function throwawayProject(from: { tarball?: string; dist?: string }): string;
export function measurePages(project: string): Promise<Record<string, PageSize>>;
export function sizeReport(sizes: Record<string, PageSize>): { text: string; over: string[] };
export function exportsMismatch(pkg: { exports: Record<string, { types?: string; import?: string }> }): string[];
export function sourceBreakdown(page: string): Promise<[string, number][]>;
