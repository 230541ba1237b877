/**
 * The training worker (a module worker): gets the GPU device, loads the embedded digits from
 * beside this bundle, and runs the Session the page commands. Training here is unaffected by
 * the page's animation frames and keeps going while the tab is in the background. Dropped data
 * of any format are read here (src/app/page_data.ts), so large files never block the page.
 */
import '../layers/all.js';
import { EMBEDDED_FILES, embeddedMnist } from '../data/mnist.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { readDropped, splitData } from './page_data.js';
import { Session } from './session.js';
import type { Settings } from './settings.js';
import { fetchBeside, hostWorker } from './worker_host.js';

const EMBEDDED_NAME = 'embedded MNIST: 8,000 train / 2,000 test';

const digits = async () => splitData(await embeddedMnist(await fetchBeside(EMBEDDED_FILES.images), await fetchBeside(EMBEDDED_FILES.labels)), EMBEDDED_NAME);

hostWorker<Settings, ToWorker, FromWorker, Session>({
  label: 'webgpu-vae page',
  data: 'the embedded digits',
  session: async (device, openDevice, post, fail) => new Session(device, openDevice, await digits(), post, fail),
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
        return s.setData(data);
      }
      case 'data': {
        let data;
        try {
          const files = await Promise.all(msg.files.map(async (f, i) => ({ path: msg.paths[i] ?? f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
          data = await readDropped(files, msg.options, msg.seed);
        } catch (e) {
          post({ type: 'error', where: 'data', message: (e as Error).message });
          return;
        }
        s.setOptions(msg.options);
        return s.setData(data);
      }
      case 'save':
        return msg.state ? s.saveState() : s.save();
      case 'load':
        return s.load(msg.file, msg.settings);
      case 'anomalies':
        return s.scoreAnomalies();
      case 'interpolate':
        return s.interpolate(msg.a, msg.b, msg.path);
      case 'lose-device':
        return s.loseDevice();
    }
  },
});
