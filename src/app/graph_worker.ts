/**
 * The graph mode's training worker (a module worker, separate from the image worker): gets the
 * GPU device, reads the embedded Cora from beside this bundle, and runs the GraphSession the
 * page commands.
 */
import '../layers/all.js';
import { CORA_FILES, CORA_NAME, embeddedCora } from '../graph/cora.js';
import { readGraphFiles } from '../graph/files.js';
import type { FromGraphWorker, ToGraphWorker } from './graph_protocol.js';
import { GraphSession } from './graph_session.js';
import type { GraphSettings } from './graph_settings.js';
import { fetchBeside, hostWorker } from './worker_host.js';

const cora = async () => embeddedCora(await fetchBeside(CORA_FILES.content), await fetchBeside(CORA_FILES.cites));

hostWorker<GraphSettings, ToGraphWorker, FromGraphWorker, GraphSession>({
  label: 'webgpu-vae graph page',
  data: 'the embedded Cora',
  session: async (device, openDevice, post, fail) => new GraphSession(device, openDevice, await cora(), CORA_NAME, post, fail),
  async handle(s, msg, post) {
    switch (msg.type) {
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
          read = await readGraphFiles(files, 'dropped files', (p) => post({ type: 'reading', ...p }));
        } catch (e) {
          post({ type: 'error', where: 'data', message: (e as Error).message });
          return;
        }
        return s.setGraph(read.graph, read.name);
      }
    }
  },
});
