// The page under test: scripts/serve.mjs on a free loopback port, and Debian's Chromium with
// SwiftShader's WebGPU (the switches of ENVIRONMENT.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Chromium, from CHROME_PATH or Debian's package. */
export const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
/** Switches for a software WebGPU adapter in headless Chromium without network. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--no-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--headless=new',
];

/** Starts scripts/serve.mjs on a free port: its URL and the process (fails after 15 s). */
export function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/serve.mjs')], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs printed no URL within 15 s; output: ${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += String(d);
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[0], child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${out}`)));
  });
}

/** Chromium with a page whose console errors are collected into `errors`. */
export async function openBrowser(errors: string[]): Promise<{ browser: Browser; page: Page }> {
  const browser = await puppeteer.launch({ executablePath: CHROME, args: CHROMIUM_ARGS, protocolTimeout: 300_000 });
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`page error: ${(e as Error).message}`));
  return { browser, page };
}

/** A served page in a browser, a folder for the test's files, and the page's console errors. */
export interface PageSession {
  url: string;
  page: Page;
  work: string;
  errors: string[];
  /** The visible text of elements by id, the status's dataset and the last console errors: for failure messages. */
  diagnostics(ids: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Serves the page and opens it in Chromium, with a fresh folder (`prefix`...) that downloads go to (its downloads/). */
export async function openPageSession(prefix: string): Promise<PageSession> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(work, 'downloads'));
  const server = await startServer();
  const errors: string[] = [];
  const { browser, page } = await openBrowser(errors);
  await (await page.createCDPSession()).send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: join(work, 'downloads') });
  return {
    url: server.url, page, work, errors,
    diagnostics: async (ids) => {
      const shown = await page.evaluate((list: string[]) => Object.fromEntries([
        ['status', JSON.stringify({ ...(document.getElementById('status')?.dataset ?? {}) })],
        ...list.map((id) => {
          const e = document.getElementById(id);
          return [id, e && !e.hidden ? e.textContent?.trim() ?? '' : ''];
        }),
      ]), ids).catch((e: Error) => ({ unavailable: e.message }));
      return `page: ${JSON.stringify(shown)}; console errors: ${JSON.stringify(errors.slice(-10))}`;
    },
    close: () => closeAll(browser, server.child, work),
  };
}

/** Closes the browser, stops the server and removes the test's folder (each when there is one). */
export async function closeAll(browser: Browser | null, server: ChildProcess | null, work: string): Promise<void> {
  await browser?.close().catch(() => undefined);
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
}

/** Waits for `fn` (run in the page) to be truthy within `seconds`, or fails naming `what` with `diagnostics()`. */
export async function waitIn<A extends unknown[]>(page: Page, diagnostics: () => Promise<string>, what: string, seconds: number, fn: (...args: A) => unknown, ...args: A): Promise<void> {
  try {
    await page.waitForFunction(fn as (...a: unknown[]) => unknown, { timeout: seconds * 1000, polling: 100 }, ...args);
  } catch (e) {
    throw new Error(`${what}: not reached within ${seconds} s (${(e as Error).message.split('\n')[0]}). ${await diagnostics()}`);
  }
}
