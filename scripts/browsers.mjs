// The browsers the page's tests and the benchmark drive through puppeteer-core, with WebGPU on:
// Chromium (WebGPU by Dawn, SwiftShader without a GPU) and Firefox (WebGPU by wgpu, shaders
// compiled by Naga, on the machine's Vulkan driver). One place for the executables, the switches
// and the preferences, so the tests and `npm run bench -- --browser firefox` start the same browser.
import { existsSync, readdirSync } from 'node:fs';

/** The browsers known here, by the name `--browser` and the tests use. */
export const BROWSER_NAMES = ['chromium', 'firefox'];

/** Chromium switches: WebGPU on Linux, SwiftShader allowed, no network (the machines have none), headless. */
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--headless=new',
];

/**
 * Firefox preferences: WebGPU is off by default on Linux (`dom.webgpu.enabled`), and a software
 * adapter is blocklisted (`gfx.webgpu.ignore-blocklist`; without it requestAdapter() gives null).
 */
export const FIREFOX_WEBGPU_PREFS = { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true };

/** Where each browser is looked for: CHROME_PATH / FIREFOX_PATH, else Debian's packages. */
export function browserExecutable(name, env = process.env) {
  if (name === 'chromium') return env.CHROME_PATH || '/usr/bin/chromium';
  if (name === 'firefox') return env.FIREFOX_PATH || '/usr/bin/firefox-esr';
  throw new Error(`browser must be one of ${BROWSER_NAMES.join(', ')}, got '${name}'`);
}

/** Display name for reports: Chromium or Firefox. */
export function browserTitle(name) {
  return name === 'firefox' ? 'Firefox' : 'Chromium';
}

/** The one-line advice when the executable is missing. */
export function missingBrowser(name, path) {
  const pkg = name === 'firefox' ? 'firefox-esr' : 'chromium';
  const variable = name === 'firefox' ? 'FIREFOX_PATH' : 'CHROME_PATH';
  return `no ${browserTitle(name)} at ${path}: install it (apt-get install ${pkg}) or set ${variable}`;
}

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

/** SwiftShader's Vulkan driver as Debian's chromium package installs it (src/node/environment.ts). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Firefox's environment. The tests' and the CLI's Node side points Vulkan at SwiftShader when the
 * machine has no GPU (src/node/environment.ts); Firefox is given the machine's own Vulkan drivers
 * instead (Mesa's lavapipe on a machine without a GPU), as a person's Firefox would use them: a
 * third Vulkan implementation beside the two SwiftShaders. Only where the machine has no Vulkan
 * driver at all does Firefox get SwiftShader.
 */
export function firefoxEnvironment(env = process.env, listIcds = systemIcds, exists = existsSync) {
  const out = { ...env };
  const system = listIcds().length > 0;
  if (system && /swiftshader/i.test(env.VK_ICD_FILENAMES ?? '')) {
    delete out.VK_ICD_FILENAMES;
    if (env.VK_LOADER_LAYERS_DISABLE === 'VK_LAYER_MESA_device_select') delete out.VK_LOADER_LAYERS_DISABLE;
  } else if (!system && !env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && exists(SWIFTSHADER_ICD)) {
    out.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  return out;
}

/** The Vulkan driver manifests the loader finds by itself. */
function systemIcds() {
  return ICD_DIRS.flatMap((d) => {
    try {
      return readdirSync(d).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  });
}

/**
 * Options for puppeteer.launch: the browser headless with WebGPU on (`webgpu: false` leaves it
 * as installed, for the page's no-WebGPU message), `args` added to Chromium's switches, `prefs`
 * to Firefox's preferences. Throws the install advice when the executable is missing.
 */
export function launchOptions(name, { webgpu = true, args = [], prefs = {}, protocolTimeout = 60_000 } = {}) {
  const executablePath = browserExecutable(name);
  if (!existsSync(executablePath)) throw new Error(missingBrowser(name, executablePath));
  if (name === 'chromium') {
    const base = webgpu ? CHROMIUM_ARGS : [...CHROMIUM_ARGS.filter((a) => !a.startsWith('--enable-unsafe-')), '--disable-gpu'];
    return { executablePath, headless: true, args: [...base, ...args], protocolTimeout };
  }
  return {
    browser: 'firefox',
    executablePath,
    headless: true,
    protocolTimeout,
    env: firefoxEnvironment(),
    extraPrefsFirefox: { ...(webgpu ? FIREFOX_WEBGPU_PREFS : { 'dom.webgpu.enabled': false }), ...prefs },
  };
}
