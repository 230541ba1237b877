/**
 * The training worker (a module worker): gets the GPU device, loads the embedded digits from
 * beside this bundle, and runs the Session the page commands. Training here is unaffected by
 * the page's animation frames and keeps going while the tab is in the background.
 */
import { EMBEDDED_FILES, embeddedMnist } from '../data/mnist.js';
import { requestDeviceFor } from '../gpu/device.js';
import { idxSplit } from './idx_files.js';
import type { AdapterText, FromWorker, ToWorker } from './protocol.js';
import { Session, type Post } from './session.js';

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

/** What to tell a person whose browser gives this worker no WebGPU. */
const NO_WEBGPU =
  'This browser does not offer WebGPU to web workers. Use a current Chrome or Edge (version 113 or later), ' +
  'or Safari 26 / Firefox 141 or later; on Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu. ' +
  'WebGPU also needs a secure page: open it over https or from http://localhost.';

async function openDevice(): Promise<GPUDevice> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error(NO_WEBGPU);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new Error(
      'WebGPU is present but found no adapter (no usable GPU, or it is blocked for this browser). ' +
        'Update the graphics driver and check chrome://gpu; on a machine without a GPU, Chrome started with ' +
        '--enable-unsafe-webgpu --enable-unsafe-swiftshader trains on the CPU (slowly).',
    );
  }
  const info = adapter.info;
  const text: AdapterText = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    fallback: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [],
  };
  post({ type: 'adapter', adapter: text });
  // The shared request: the adapter's storage limits (large models need more than the default
  // 128 MiB bindings) and its timestamp and subgroup features when offered.
  const device = await requestDeviceFor(adapter, 'webgpu-vae page');
  post({ type: 'adapter', adapter: { ...text, features: [...device.features].sort() } });
  // A lost device is replaced by the session (see DeviceSlot); an internal error is fatal.
  device.addEventListener('uncapturederror', (e) => {
    fail(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}. Reload the page to start again.`);
  });
  return device;
}

async function fetchBytes(file: string): Promise<Uint8Array> {
  const url = new URL(`./${file}`, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

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
    const data = await embeddedMnist(await fetchBytes(EMBEDDED_FILES.images), await fetchBytes(EMBEDDED_FILES.labels));
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
        data = await embeddedMnist(await fetchBytes(EMBEDDED_FILES.images), await fetchBytes(EMBEDDED_FILES.labels));
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
