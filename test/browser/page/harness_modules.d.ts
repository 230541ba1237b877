/** Every shaders/*.wgsl file as the build expands it (made by test/browser/harness.ts at bundle time). */
declare module 'harness:shaders' {
  const sources: import('../../../src/gpu/layout.js').WgslSource[];
  export default sources;
}
