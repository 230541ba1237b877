/**
 * What the page's end-to-end suites share, whichever browser runs them: the page served by
 * scripts/serve.mjs on a free loopback port (a secure context, which WebGPU needs), the browser
 * started with WebGPU on (scripts/browsers.mjs) and its downloads kept in a folder, and waits
 * that fail with what the page shows.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type BrowserContext, type LaunchOptions, type Page } from 'puppeteer-core';
import { launchOptions, type BrowserName } from '../../scripts/browsers.mjs';
import { startServer } from '../../scripts/serve_process.mjs';

export { browserTitle, type BrowserName } from '../../scripts/browsers.mjs';

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Fails with the build advice when a built file the page needs is missing. */
export function requireBuilt(files: string[]): void {
  for (const f of files) if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` before this test`);
}

/** Starts scripts/serve.mjs on a free port; resolves to its URL (fails after 15 s). */
export { startServer };

/**
 * `name` headless with WebGPU on, and a context whose downloads go to `downloads` (when given):
 * the page's Save buttons make real downloads there, in both browsers.
 */
export async function launchPageBrowser(name: BrowserName, downloads?: string, extra: Partial<LaunchOptions> = {}): Promise<{ browser: Browser; context: BrowserContext }> {
  // Waits in the page run as one protocol call each: allow the longest of them (a conv VAE's first loss).
  const browser = await puppeteer.launch({ ...launchOptions(name, { protocolTimeout: 600_000 }), ...extra });
  try {
    const context = downloads ? await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } }) : browser.defaultBrowserContext();
    return { browser, context };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

/** Closes a browser, and kills it when it does not close within 20 s. */
export async function closeBrowser(browser: Browser | null): Promise<void> {
  if (!browser) return;
  await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 20_000))]).catch(() => undefined);
  browser.process()?.kill('SIGKILL');
}

/** Collects the page's console errors and uncaught exceptions into `into`. */
export function collectErrors(page: Page, into: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(m.text());
  });
  page.on('pageerror', (e) => into.push(`page error: ${(e as Error).message}`));
}

/**
 * What the page shows, for failure messages: the data attributes of the status element
 * `statusId`, the visible text of each element of `ids` (by name), and the last console errors.
 */
export async function pageDiagnostics(page: Page, statusId: string, ids: Record<string, string>, consoleErrors: string[]): Promise<string> {
  const shown = await page
    .evaluate((sid: string, fields: Record<string, string>) => {
      const text = (id: string) => {
        const e = document.getElementById(id);
        return e && !e.hidden ? e.textContent?.trim() ?? '' : '';
      };
      return { status: { ...(document.getElementById(sid)?.dataset ?? {}) }, ...Object.fromEntries(Object.entries(fields).map(([k, id]) => [k, text(id)])) };
    }, statusId, ids)
    .catch((e: Error) => ({ unavailable: e.message }));
  return `page: ${JSON.stringify(shown)}; console errors: ${JSON.stringify(consoleErrors.slice(-10))}`;
}

/**
 * Waits for `fn` (run in the page) to be truthy within `seconds`, or fails naming `what` with
 * `diagnostics()` (what the page shows).
 */
export async function waitInPage<A extends unknown[]>(
  page: Page, diagnostics: () => Promise<string>, what: string, seconds: number, fn: (...args: A) => unknown, ...args: A
): Promise<void> {
  try {
    await page.waitForFunction(fn as (...a: unknown[]) => unknown, { timeout: seconds * 1000, polling: 100 }, ...args);
  } catch (e) {
    throw new Error(`${what}: not reached within ${seconds} s (${(e as Error).message.split('\n')[0]}). ${await diagnostics()}`);
  }
}

/**
 * The path of the download `want` in `dir` once it is complete: present, not empty, no `.part`
 * beside it, and the same size twice 200 ms apart (Firefox creates the file before writing it).
 * Fails after `seconds` with what the folder holds and `diagnostics()`.
 */
export async function waitForDownload(dir: string, want: string, seconds: number, diagnostics: () => Promise<string>): Promise<string> {
  const file = join(dir, want);
  const deadline = Date.now() + seconds * 1000;
  let last = -1;
  for (;;) {
    const size = existsSync(file) && !existsSync(`${file}.part`) ? statSync(file).size : -1;
    if (size > 0 && size === last) return file;
    last = size;
    if (Date.now() > deadline) throw new Error(`no complete download ${want} within ${seconds} s (have ${readdirSync(dir).join(', ') || 'nothing'}). ${await diagnostics()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A served page in a browser, a folder for the test's files, and the page's console errors. */
export interface PageSession {
  url: string;
  page: Page;
  /** The test's folder; downloads go to its downloads/. */
  work: string;
  errors: string[];
  /** The visible text of elements by id, the status's dataset and the last console errors: for failure messages. */
  diagnostics(ids: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Serves the page and opens it in `name` with a fresh folder (`prefix`...) that downloads go to. */
export async function openPageSession(prefix: string, name: BrowserName = 'chromium'): Promise<PageSession> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(work, 'downloads'));
  const served = startServer();
  let browser: Browser | null = null;
  try {
    const url = await served.url;
    const launched = await launchPageBrowser(name, join(work, 'downloads'));
    browser = launched.browser;
    const page = await launched.context.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const errors: string[] = [];
    collectErrors(page, errors);
    return {
      url, page, work, errors,
      diagnostics: (ids) => pageDiagnostics(page, 'status', Object.fromEntries(ids.map((id) => [id, id])), errors),
      close: async () => {
        await closeBrowser(browser);
        served.child.kill();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await closeBrowser(browser);
    served.child.kill();
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
