// Types of the WGSL build step (scripts/wgsl.mjs), for the TypeScript configs that import it.
import type { WgslSource } from '../src/gpu/layout.js';

export function expandWgsl(path: string, root?: string): { code: string; files: string[]; lineMap: WgslSource['lineMap'] };
export function structLayouts(code: string): WgslSource['structs'];
export function integerConstants(code: string): WgslSource['consts'];
export function stripWgsl(code: string): { code: string; indent: string };
export function wgslModule(path: string, root: string): { contents: string; files: string[] };
export function wgslPlugin(shaderRoot: string): { name: string; setup(build: unknown): void };
