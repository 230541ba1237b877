/**
 * WGSL sources are imported as expanded shaders (scripts/wgsl.mjs, used by the esbuild builds
 * and the vitest plugin in vitest.config.ts).
 */
declare module '*.wgsl' {
  const source: import('./gpu/layout.js').WgslSource;
  export default source;
}
