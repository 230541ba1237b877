/** WGSL sources are imported as strings (esbuild `text` loader, the vitest plugin in vitest.config.ts). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
