/**
 * What both training workers (images and graphs) share around their session: the GPU device,
 * requested the shared way and announced to the page; the embedded data's bytes from beside the
 * bundle; the fatal state; and the message loop that waits for the session before handing it
 * the page's commands.
 */
import { requestDeviceFor } from '../gpu/device.js';
import { shaderLoopLimit } from '../gpu/loop_limit.js';
import type { AdapterText, RunState } from './protocol.js';
import { kernelNote } from './kernel_note.js';
import { noAdapterAdvice, noWebGpuAdvice } from './webgpu_advice.js';

/** WebGPU needs a secure page: what the worker adds when it has none. */
const SECURE_PAGE = 'WebGPU also needs a secure page: open it over https or from http://localhost.';

/**
 * A device from the worker's adapter: the shared request (the adapter's storage limits, its
 * timestamp and subgroup features when offered), the adapter announced before and with the
 * device's features after. A lost device is replaced by the session (DeviceSlot); an internal
 * error is fatal. Throws with what to do when there is no WebGPU or no adapter.
 */
export async function openWorkerDevice(label: string, announce: (adapter: AdapterText) => void, fail: (message: string) => void): Promise<GPUDevice> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error(`${noWebGpuAdvice(navigator.userAgent, true)} ${SECURE_PAGE}`);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(noAdapterAdvice(navigator.userAgent));
  const info = adapter.info;
  const text: AdapterText = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    fallback: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [],
  };
  announce(text);
  const device = await requestDeviceFor(adapter, label);
  // One dispatch and one readback: whether the adapter cuts long loops short (a warning if so).
  const loopLimit = await shaderLoopLimit(device).catch(() => null);
  announce({ ...text, features: [...device.features].sort(), kernels: kernelNote(device, loopLimit) });
  device.addEventListener('uncapturederror', (e) => {
    fail(`GPU error: ${(e as GPUUncapturedErrorEvent).error.message}. Reload the page to start again.`);
  });
  return device;
}

/** The bytes of `file` beside this bundle in dist/. */
export async function fetchBeside(file: string): Promise<Uint8Array> {
  const url = new URL(`./${file}`, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The messages the host itself sends; both workers' protocols have them. */
type HostMessage =
  | { type: 'adapter'; adapter: AdapterText }
  | { type: 'state'; state: RunState }
  | { type: 'error'; where: 'model'; message: string }
  | { type: 'fatal'; message: string };

/** Sends a message to the page, moving the buffers of any arrays in it. */
export type WorkerPost<Out> = (msg: Out, transfer?: Transferable[]) => void;

/** The commands both pages send, which the host passes to the session itself. */
export type CommonCommand<Settings> = { type: 'start'; settings: Settings } | { type: 'pause' } | { type: 'reset' } | { type: 'epochs'; epochs: number };

/** A worker's session, as the host drives it. */
export interface HostedSession<Settings> {
  /** Stops everything after a fatal error. */
  fail(): void;
  /** Announces the data, model and state to a freshly loaded page. */
  hello(): void;
  start(settings: Settings): Promise<void>;
  pause(): Promise<void>;
  reset(): Promise<void>;
  /** Epochs to train in all. */
  setEpochs(epochs: number): void;
}

/**
 * Runs a training worker: opens the device (a missing WebGPU or adapter is fatal, with what to
 * do), makes the session from its embedded data (a failure says to rebuild dist/), then passes
 * every message from the page, in order of arrival once the session exists: the common
 * commands to the session, the rest to `handle`; an error a command throws becomes an error
 * message for the page.
 */
export function hostWorker<Settings, In extends { type: string }, Out, S extends HostedSession<Settings>>(o: {
  /** The device's label. */
  label: string;
  /** The embedded data, for the message when it cannot be loaded ("the embedded digits"). */
  data: string;
  session(device: GPUDevice, openDevice: () => Promise<GPUDevice>, post: WorkerPost<Out>, fail: (message: string) => void): Promise<S>;
  handle(session: S, msg: Exclude<In, CommonCommand<Settings>>, post: WorkerPost<Out>): Promise<void> | void;
}): void {
  // The project compiles against the DOM library; these are the two worker members used here.
  const scope = self as unknown as {
    postMessage(msg: unknown, transfer: Transferable[]): void;
    onmessage: ((e: MessageEvent<In>) => void) | null;
  };
  const post = (msg: Out | HostMessage, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);
  let session: S | null = null;
  let fatal: string | null = null;
  const fail = (message: string): void => {
    if (fatal) return;
    fatal = message;
    session?.fail();
    post({ type: 'fatal', message });
    post({ type: 'state', state: 'failed' });
  };
  const openDevice = () => openWorkerDevice(o.label, (adapter) => post({ type: 'adapter', adapter }), fail);
  const init = async (): Promise<S | null> => {
    post({ type: 'state', state: 'loading' });
    let device: GPUDevice;
    try {
      device = await openDevice();
    } catch (e) {
      fail((e as Error).message);
      return null;
    }
    try {
      session = await o.session(device, openDevice, post, fail);
    } catch (e) {
      fail(`Could not load ${o.data} (${(e as Error).message}). Rebuild with \`npm run build\` and serve dist/ beside index.html.`);
      return null;
    }
    if (fatal) return null;
    session.hello();
    return session;
  };
  const ready = init();
  const handle = async (msg: In): Promise<void> => {
    const s = await ready;
    if (!s || fatal) return;
    const c = msg as unknown as CommonCommand<Settings>;
    switch (c.type) {
      case 'start':
        return s.start(c.settings);
      case 'pause':
        return s.pause();
      case 'reset':
        return s.reset();
      case 'epochs':
        return s.setEpochs(c.epochs);
      default:
        return o.handle(s, msg as Exclude<In, CommonCommand<Settings>>, post);
    }
  };
  scope.onmessage = (e) => {
    handle(e.data).catch((err: unknown) => post({ type: 'error', where: 'model', message: (err as Error).message ?? String(err) }));
  };
}
