// The training page's graph mode on a graph of your own, as a person uses it: serves the built
// page (scripts/serve.mjs), opens ?mode=graph in headless Chromium (or --browser firefox), chooses
// the folder's edges.csv and nodes.csv in the file field, trains --epochs epochs with the page's
// settings (decoder auto: sampled above 10,000 nodes), and prints one JSON document: the time to
// read the files, the page's model line (parameters, split, dispatches, decoder), the time per
// epoch the page shows, and the validation AUC, AP and Hits@50 after the last epoch.
//
//   node bench/graph_page.mjs --data DIR [--epochs 20] [--browser chromium|firefox] [--timeout 3600]
//
// e.g. for the 250,000-node block model of docs/figures.md:
//   node dist/cli.js graph generate --nodes 250000 --edges 1250000 --blocks 50 --out sbm250k
//   node bench/graph_page.mjs --data sbm250k --epochs 20
// Needs `npm run build` first. Progress goes to stderr.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import { browserTitle, launchOptions } from '../scripts/browsers.mjs';
import { startServer } from '../scripts/serve_process.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '20' },
    browser: { type: 'string', default: 'chromium' },
    timeout: { type: 'string', default: '3600' },
  },
});
const fail = (msg) => {
  process.stderr.write(`graph_page: ${msg}\n`);
  process.exit(2);
};
const epochs = Number(opt.epochs);
const timeoutS = Number(opt.timeout);
if (!opt.data) fail('--data DIR is required (a folder with edges.csv and nodes.csv)');
const files = ['edges.csv', 'nodes.csv'].map((f) => join(opt.data, f));
for (const f of files) if (!existsSync(f)) fail(`${f} does not exist`);
if (!Number.isInteger(epochs) || epochs < 1) fail(`--epochs must be a whole number >= 1, got '${opt.epochs}'`);
if (!(timeoutS > 0)) fail(`--timeout must be a number of seconds > 0, got '${opt.timeout}'`);
if (opt.browser !== 'chromium' && opt.browser !== 'firefox') fail(`--browser must be chromium or firefox, got '${opt.browser}'`);
for (const f of ['dist/app.js', 'dist/graph_worker.js']) if (!existsSync(join(root, f))) fail(`${f} is missing: run npm run build first`);
const log = (s) => process.stderr.write(`${s}\n`);

const served = startServer();
const server = { url: await served.url, child: served.child };
const browser = await puppeteer.launch(launchOptions(opt.browser, { protocolTimeout: timeoutS * 1000 }));
let exitCode = 0;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const text = (id) => page.$eval(`#${id}`, (e) => e.textContent ?? '');
  const status = () => page.$eval('#g-status', (e) => ({ ...e.dataset }));
  const wait = async (what, seconds, fn, ...args) => {
    try {
      await page.waitForFunction(fn, { timeout: seconds * 1000, polling: 200 }, ...args);
    } catch {
      throw new Error(`${what}: not reached within ${seconds} s; page: ${JSON.stringify({ status: await status(), progress: await text('g-progress-text'), dataError: await text('g-data-error'), runError: await text('g-run-error') })}; console errors: ${JSON.stringify(errors.slice(-5))}`);
    }
  };
  await page.goto(`${server.url}?mode=graph&epochs=${epochs}`, { waitUntil: 'load', timeout: 60_000 });
  await wait('embedded Cora loaded', 120, () => document.getElementById('g-data-info')?.textContent?.startsWith('embedded Cora'));
  const adapter = await text('adapter').catch(() => '');
  log(`${browserTitle(opt.browser)} (${await browser.version()}): ${adapter}`);
  const t0 = performance.now();
  const input = await page.$('#g-files');
  await input.uploadFile(...files);
  await wait('the files read', timeoutS, () => document.getElementById('g-data-info')?.textContent?.startsWith('edges.csv + nodes.csv'));
  const readS = (performance.now() - t0) / 1000;
  const data = await text('g-data-info');
  log(`read in ${readS.toFixed(1)} s: ${data}`);
  const t1 = performance.now();
  await page.click('#g-start');
  await wait('the model built', timeoutS, () => Number(document.getElementById('g-status').dataset.epoch) >= 1);
  const model = await text('g-model-info');
  log(model);
  let shown = 0;
  const epochText = [];
  while (true) {
    const s = await status();
    const progress = await text('g-progress-text');
    if (Number(s.epoch) > shown) {
      shown = Number(s.epoch);
      log(`${progress} · val AUC ${s.valAuc} AP ${s.valAp} Hits@50 ${s.valHits}`);
      const m = /last epoch ([\d.]+) s/.exec(progress);
      if (m) epochText.push(Number(m[1]));
    }
    if (s.state === 'done' && Number(s.epoch) === epochs) break;
    if ((performance.now() - t1) / 1000 > timeoutS) throw new Error(`${epochs} epochs not done within ${timeoutS} s (epoch ${s.epoch})`);
    if (s.state === 'error') throw new Error(`the page stopped: ${await text('g-run-error')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const s = await status();
  const sorted = [...epochText].sort((a, b) => a - b);
  const report = {
    browser: opt.browser, version: await browser.version(), adapter, data, read_s: readS, model, epochs,
    seconds_to_last_epoch: (performance.now() - t1) / 1000, epoch_s_shown: epochText, epoch_s_median: sorted[sorted.length >> 1] ?? null,
    val_auc: Number(s.valAuc), val_ap: Number(s.valAp), val_hits50: s.valHits === undefined ? null : Number(s.valHits),
    load_average: loadavg(), console_errors: errors,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (e) {
  exitCode = 1;
  log(`graph_page: ${e.message}`);
} finally {
  await browser.close().catch(() => undefined);
  server.child.kill();
}
process.exit(exitCode);
