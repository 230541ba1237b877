/**
 * The training worker (a module worker): gets the GPU device, loads the embedded digits from
 * beside this bundle, and runs the Session the page commands. Training here is unaffected by
 * the page's animation frames and keeps going while the tab is in the background.
 */
import { EMBEDDED_FILES, embeddedMnist } from '../data/mnist.js';
import { idxSplit } from './idx_files.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { Session, type Post } from './session.js';
import { fetchBeside, openWorkerDevice } from './worker_gpu.js';

// The project compiles against the DOM library; these are the two worker members used here.
const scope = self as unknown as {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post: Post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

const EMBEDDED_NAME = 'embedded MNIST: 8,000 train / 2,000 test';
let session: Session | null = null;
let fatal: string | null = null;

function fail(message: string): void {
  if (fatal) return;
  fatal = message;
  session?.fail();
  post({ type: 'fatal', message });
  post({ type: 'state', state: 'failed' });
}

const openDevice = () => openWorkerDevice('webgpu-vae page', (adapter) => post({ type: 'adapter', adapter }), fail);

async function init(): Promise<Session | null> {
  post({ type: 'state', state: 'loading' });
  let device: GPUDevice;
  try {
    device = await openDevice();
  } catch (e) {
    fail((e as Error).message);
    return null;
  }
  try {
    const data = await embeddedMnist(await fetchBeside(EMBEDDED_FILES.images), await fetchBeside(EMBEDDED_FILES.labels));
    session = new Session(device, openDevice, data, EMBEDDED_NAME, post, fail);
  } catch (e) {
    fail(`Could not load the embedded digits (${(e as Error).message}). Rebuild with \`npm run build\` and serve dist/ beside index.html.`);
    return null;
  }
  if (fatal) return null;
  session.hello();
  return session;
}

const ready = init();

async function handle(msg: ToWorker): Promise<void> {
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
    case 'embedded': {
      let data;
      try {
        data = await embeddedMnist(await fetchBeside(EMBEDDED_FILES.images), await fetchBeside(EMBEDDED_FILES.labels));
      } catch (e) {
        post({ type: 'error', where: 'data', message: `could not load the embedded digits: ${(e as Error).message}` });
        return;
      }
      return s.setData(data, EMBEDDED_NAME);
    }
    case 'data': {
      let split;
      try {
        const files = await Promise.all(msg.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
        split = await idxSplit(files);
      } catch (e) {
        post({ type: 'error', where: 'data', message: (e as Error).message });
        return;
      }
      // A folder chosen through the input keeps its path (e.g. fashion-mnist/...), a plain file only its name.
      const names = msg.files.map((f) => f.webkitRelativePath || f.name);
      const kind = names.some((n) => /fashion/i.test(n)) ? 'Fashion-MNIST' : 'IDX files';
      return s.setData(split, `${kind}: ${split.train.count.toLocaleString('en')} train / ${split.test.count.toLocaleString('en')} test`);
    }
    case 'save':
      return msg.state ? s.saveState() : s.save();
    case 'load':
      return s.load(msg.file, msg.settings);
    case 'interpolate':
      return s.interpolate(msg.a, msg.b, msg.path);
    case 'lose-device':
      return s.loseDevice();
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', where: 'model', message: (err as Error).message ?? String(err) }));
};
