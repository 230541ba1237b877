/**
 * The training worker (a module worker): gets the GPU device, loads the embedded digits from
 * beside this bundle, and runs the Session the page commands. Training here is unaffected by
 * the page's animation frames and keeps going while the tab is in the background.
 */
import '../layers/all.js';
import { EMBEDDED_FILES, embeddedMnist } from '../data/mnist.js';
import { idxSplit } from './idx_files.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { Session } from './session.js';
import type { Settings } from './settings.js';
import { fetchBeside, hostWorker } from './worker_host.js';

const EMBEDDED_NAME = 'embedded MNIST: 8,000 train / 2,000 test';

const digits = async () => embeddedMnist(await fetchBeside(EMBEDDED_FILES.images), await fetchBeside(EMBEDDED_FILES.labels));

hostWorker<Settings, ToWorker, FromWorker, Session>({
  label: 'webgpu-vae page',
  data: 'the embedded digits',
  session: async (device, openDevice, post, fail) => new Session(device, openDevice, await digits(), EMBEDDED_NAME, post, fail),
  async handle(s, msg, post) {
    switch (msg.type) {
      case 'embedded': {
        let data;
        try {
          data = await digits();
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
  },
});
