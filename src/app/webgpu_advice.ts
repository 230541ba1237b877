/**
 * What the page tells a person whose browser gives it no WebGPU, or no adapter: the browsers that
 * have WebGPU, and the switch that applies to theirs (Chrome's flag, or Firefox's preferences,
 * which Firefox on Linux needs: WebGPU is off there by default, and a software adapter is
 * blocklisted). Written for the browser and system a user agent names; docs/browsers.md says
 * what was run where.
 */

/** The browsers with WebGPU, as one sentence. */
const BROWSERS = 'Use a current Chrome or Edge (113 or later), Safari 26, or Firefox 141 or later.';

/** The browser and system a user agent names, as far as the advice needs them. */
export function browserOf(userAgent: string): { firefox: number | null; chrome: boolean; linux: boolean } {
  const firefox = /Firefox\/(\d+)/.exec(userAgent);
  return {
    firefox: firefox ? Number(firefox[1]) : null,
    chrome: /Chrome\//.test(userAgent),
    // Android's user agent says Linux too; its browsers have no such switches.
    linux: /Linux/.test(userAgent) && !/Android/.test(userAgent),
  };
}

/** There is no navigator.gpu (in the page, or `inWorker` in its worker). */
export function noWebGpuAdvice(userAgent: string, inWorker = false): string {
  const b = browserOf(userAgent);
  const lead = inWorker ? 'This browser does not offer WebGPU to web workers.' : 'This browser has no WebGPU.';
  if (b.firefox !== null && b.firefox < 141) return `${lead} This is Firefox ${b.firefox}, and WebGPU came in Firefox 141: update it. ${BROWSERS}`;
  const parts = [lead, BROWSERS];
  if (b.firefox !== null && b.linux) parts.push('On Linux, Firefox has WebGPU switched off: open about:config, set dom.webgpu.enabled to true, then reload.');
  else if (b.chrome && b.linux) parts.push('On Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu.');
  return parts.join(' ');
}

/** navigator.gpu is there but requestAdapter() gave nothing. */
export function noAdapterAdvice(userAgent: string): string {
  const b = browserOf(userAgent);
  const lead = 'WebGPU is present but found no adapter (no usable GPU, or it is blocked for this browser).';
  if (b.firefox !== null) {
    return `${lead} Update the graphics driver. Firefox blocks GPUs and software adapters it has not approved: setting ` +
      'gfx.webgpu.ignore-blocklist to true in about:config lets it use them (on a machine without a GPU that is a CPU adapter, and training is slow).';
  }
  return `${lead} Update the graphics driver and check chrome://gpu; on a machine without a GPU, Chrome started with ` +
    '--enable-unsafe-webgpu --enable-unsafe-swiftshader trains on the CPU (slowly).';
}
