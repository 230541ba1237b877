// The benchmark suite under Node on Dawn (the `webgpu` package): kernels, steps, epoch, in the
// same JSON shape as the browser page (bench/page). The baselines run only in the page.
// Run: npm run bench:node [-- --json] [--quick] (through bench/run.mjs, which sets up Vulkan).
import '../src/layers/all.js';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_FILES, embeddedMnist } from '../src/data/mnist.js';
import { CORA_FILES, embeddedCora } from '../src/graph/cora.js';
import { requestNodeGpu } from '../src/node/gpu.js';
import { adapterRecord, deviceAdapterInfo } from './lib/adapter.js';
import { parseSuiteArgs } from './lib/args.js';
import { formatTable } from './lib/report.js';
import { runSuite } from './lib/suite.js';
import { loadGraph } from '../src/node/graph_data.js';
import { runPythonScript } from './lib/python.mjs';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
// Progress goes to stderr so that stdout holds only the JSON document.
const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const opts = parseSuiteArgs(argv);
  // requestNodeGpu's device has the adapter's limits and timestamp queries when offered.
  const gpu = await requestNodeGpu();
  const device = gpu.device;
  device.addEventListener('uncapturederror', (e) => log(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
  // bench/run.mjs writes the embedded digits into its cache folder and names it here.
  const dir = process.env.BENCH_DATA_DIR ?? join(process.cwd(), 'dist');
  let images: Buffer;
  let labels: Buffer;
  try {
    images = readFileSync(join(dir, EMBEDDED_FILES.images));
    labels = readFileSync(join(dir, EMBEDDED_FILES.labels));
  } catch (e) {
    throw new Error(`embedded MNIST files not found in ${dir} (run 'npm run build'): ${(e as Error).message}`);
  }
  const { train } = await embeddedMnist(images, labels);
  const cora = await embeddedCora(readFileSync(join(dir, CORA_FILES.content)), readFileSync(join(dir, CORA_FILES.cites)));
  // PubMed and the PyTorch scripts, from the repository (bench/run.mjs runs us in its root).
  const root = process.cwd();
  const pubmed = existsSync(join(root, 'data/pubmed')) ? (await loadGraph(join(root, 'data/pubmed'))).graph : undefined;
  const notInNode = 'not run under Node: the baselines run in the browser page (npm run bench)';
  const report = await runSuite(
    {
      runner: 'node', runtime: `Node ${process.version}, webgpu (Dawn)`, device, adapter: adapterRecord(gpu.adapter, device),
      adapterInfo: deviceAdapterInfo(device), train, cora, baselines: {}, log, ...(pubmed ? { pubmed } : {}),
      python: (script, args, split) => runPythonScript(root, script, args, split),
      // This process runs Dawn and SwiftShader's threads: its CPU time is ours.
      host: { loadAverage: async () => loadavg(), cpuSeconds: async () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }, cpuScope: 'the Node process (Dawn, SwiftShader)' },
    },
    opts,
  );
  report.baselines = { tfjs: { framework: 'TensorFlow.js', error: notInNode }, jax: { framework: 'jax-js', error: notInNode } };
  if (report.conv) report.conv.baselines = { tfjs: { framework: 'TensorFlow.js', error: notInNode }, jax: { framework: 'jax-js', error: notInNode } };
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatTable(report)}\n`);
  device.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(`bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
