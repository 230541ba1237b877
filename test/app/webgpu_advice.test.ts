// The page's advice without WebGPU or without an adapter, for the user agents of the browsers
// docs/browsers.md names.
import { describe, expect, it } from 'vitest';
import { browserOf, noAdapterAdvice, noWebGpuAdvice } from '../../src/app/webgpu_advice.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0';
const FIREFOX_OLD = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15';
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';

describe('advice without WebGPU', () => {
  it('reads the browser and system from the user agent', () => {
    expect(browserOf(FIREFOX_LINUX)).toEqual({ firefox: 153, chrome: false, linux: true });
    expect(browserOf(CHROME_LINUX)).toEqual({ firefox: null, chrome: true, linux: true });
    expect(browserOf(SAFARI)).toEqual({ firefox: null, chrome: false, linux: false });
    expect(browserOf(CHROME_ANDROID).linux).toBe(false);
  });

  it('names the browsers with WebGPU, and the switch of the one in use on Linux', () => {
    expect(noWebGpuAdvice(FIREFOX_LINUX)).toBe(
      'This browser has no WebGPU. Use a current Chrome or Edge (113 or later), Safari 26, or Firefox 141 or later. ' +
        'On Linux, Firefox has WebGPU switched off: open about:config, set dom.webgpu.enabled to true, then reload.',
    );
    expect(noWebGpuAdvice(CHROME_LINUX, true)).toBe(
      'This browser does not offer WebGPU to web workers. Use a current Chrome or Edge (113 or later), Safari 26, or Firefox 141 or later. ' +
        'On Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu.',
    );
    // Nothing to switch where the browser ships WebGPU on.
    for (const ua of [FIREFOX_WINDOWS, SAFARI, CHROME_ANDROID]) {
      expect(noWebGpuAdvice(ua)).toBe('This browser has no WebGPU. Use a current Chrome or Edge (113 or later), Safari 26, or Firefox 141 or later.');
    }
  });

  it('tells a Firefox older than 141 to update', () => {
    expect(noWebGpuAdvice(FIREFOX_OLD)).toBe(
      'This browser has no WebGPU. This is Firefox 128, and WebGPU came in Firefox 141: update it. Use a current Chrome or Edge (113 or later), Safari 26, or Firefox 141 or later.',
    );
  });

  it('without an adapter: Firefox\'s blocklist preference, Chrome\'s SwiftShader switches', () => {
    expect(noAdapterAdvice(FIREFOX_LINUX)).toMatch(/^WebGPU is present but found no adapter .* gfx\.webgpu\.ignore-blocklist to true in about:config/);
    expect(noAdapterAdvice(CHROME_LINUX)).toMatch(/chrome:\/\/gpu; .* --enable-unsafe-webgpu --enable-unsafe-swiftshader/);
  });
});
