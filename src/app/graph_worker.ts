/**
 * The graph mode's training worker (a module worker, separate from the image worker): gets the
 * GPU device, reads the embedded Cora from beside this bundle, and runs the GraphSession the
 * page commands.
 */
import { CORA_FILES, CORA_NAME, embeddedCora } from '../graph/cora.js';
import { readGraphFiles } from '../graph/files.js';
import type { FromGraphWorker, ToGraphWorker } from './graph_protocol.js';
import { GraphSession, type GraphPost } from './graph_session.js';
import { fetchBeside, openWorkerDevice } from './worker_gpu.js';

const scope = self as unknown as {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToGraphWorker>) => void) | null;
};
const post: GraphPost = (msg: FromGraphWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

let session: GraphSession | null = null;
let fatal: string | null = null;

function fail(message: string): void {
  if (fatal) return;
  fatal = message;
  session?.fail();
  post({ type: 'fatal', message });
  post({ type: 'state', state: 'failed' });
}

const openDevice = () => openWorkerDevice('webgpu-vae graph page', (adapter) => post({ type: 'adapter', adapter }), fail);

const cora = async () => embeddedCora(await fetchBeside(CORA_FILES.content), await fetchBeside(CORA_FILES.cites));

async function init(): Promise<GraphSession | null> {
  post({ type: 'state', state: 'loading' });
  let device: GPUDevice;
  try {
    device = await openDevice();
  } catch (e) {
    fail((e as Error).message);
    return null;
  }
  try {
    session = new GraphSession(device, openDevice, await cora(), CORA_NAME, post, fail);
  } catch (e) {
    fail(`Could not load the embedded Cora (${(e as Error).message}). Rebuild with \`npm run build\` and serve dist/ beside index.html.`);
    return null;
  }
  if (fatal) return null;
  session.hello();
  return session;
}

const ready = init();

async function handle(msg: ToGraphWorker): Promise<void> {
  const s = await ready;
  if (!s || fatal) return;
  switch (msg.type) {
    case 'start':
      return s.start(msg.settings);
    case 'pause':
      return s.pause();
    case 'reset':
      return s.reset();
    case 'epochs':
      return s.setEpochs(msg.epochs);
    case 'save':
      return s.save();
    case 'embedded': {
      try {
        return s.setGraph(await cora(), CORA_NAME);
      } catch (e) {
        post({ type: 'error', where: 'data', message: `could not load the embedded Cora: ${(e as Error).message}` });
        return;
      }
    }
    case 'data': {
      let read;
      try {
        const files = await Promise.all(msg.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
        read = await readGraphFiles(files, 'dropped files');
      } catch (e) {
        post({ type: 'error', where: 'data', message: (e as Error).message });
        return;
      }
      return s.setGraph(read.graph, read.name);
    }
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', where: 'model', message: (err as Error).message ?? String(err) }));
};
