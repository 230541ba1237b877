// How the tests and the benchmark start each browser (scripts/browsers.mjs): the executables,
// WebGPU's switches and preferences, and the Vulkan driver Firefox is given.
import { describe, expect, it } from 'vitest';
import { browserExecutable, firefoxEnvironment, FIREFOX_WEBGPU_PREFS, launchOptions, missingBrowser } from '../../scripts/browsers.mjs';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

describe('browsers', () => {
  it('finds each browser where Debian installs it, or where CHROME_PATH / FIREFOX_PATH say', () => {
    expect(browserExecutable('chromium', {})).toBe('/usr/bin/chromium');
    expect(browserExecutable('firefox', {})).toBe('/usr/bin/firefox-esr');
    expect(browserExecutable('firefox', { FIREFOX_PATH: '/opt/firefox/firefox' })).toBe('/opt/firefox/firefox');
    expect(() => browserExecutable('safari' as 'firefox')).toThrow("browser must be one of chromium, firefox, got 'safari'");
    expect(missingBrowser('firefox', '/usr/bin/firefox-esr')).toBe('no Firefox at /usr/bin/firefox-esr: install it (apt-get install firefox-esr) or set FIREFOX_PATH');
  });

  it('gives Firefox the machine\'s Vulkan driver, and SwiftShader only where there is none', () => {
    const vitestEnv = { VK_ICD_FILENAMES: SWIFTSHADER, VK_LOADER_LAYERS_DISABLE: 'VK_LAYER_MESA_device_select', HOME: '/h' };
    expect(firefoxEnvironment(vitestEnv, () => ['lvp_icd.x86_64.json'])).toEqual({ HOME: '/h' });
    expect(firefoxEnvironment(vitestEnv, () => [])).toEqual(vitestEnv);
    expect(firefoxEnvironment({ HOME: '/h' }, () => [], () => true)).toEqual({ HOME: '/h', VK_ICD_FILENAMES: SWIFTSHADER });
    // A driver the person chose is theirs.
    expect(firefoxEnvironment({ VK_ICD_FILENAMES: '/my/icd.json' }, () => ['lvp_icd.x86_64.json'])).toEqual({ VK_ICD_FILENAMES: '/my/icd.json' });
  });

  it('switches WebGPU on, or leaves it as installed for the no-WebGPU page', () => {
    const firefox = launchOptions('firefox') as { browser: string; extraPrefsFirefox: Record<string, unknown> };
    expect(firefox.browser).toBe('firefox');
    expect(firefox.extraPrefsFirefox).toEqual(FIREFOX_WEBGPU_PREFS);
    expect(FIREFOX_WEBGPU_PREFS).toEqual({ 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true });
    expect((launchOptions('firefox', { webgpu: false }) as { extraPrefsFirefox: unknown }).extraPrefsFirefox).toEqual({ 'dom.webgpu.enabled': false });
    const chromium = launchOptions('chromium', { args: ['--x'] });
    expect(chromium.args).toEqual(expect.arrayContaining(['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--x']));
    const plain = launchOptions('chromium', { webgpu: false });
    expect(plain.args).toContain('--disable-gpu');
    expect(plain.args!.some((a) => a.startsWith('--enable-unsafe-'))).toBe(false);
  });
});
