/**
 * What the two training commands (`train`, `graph train`) share around a Trainer under Node:
 * a new device on demand after a loss (every device destroyed at the end), and Ctrl-C as a
 * request to stop after the step or epoch in hand; a second Ctrl-C exits at once.
 */
import { requestNodeGpu } from '../node/gpu.js';

export interface NodeTraining {
  /** The trainer's `newDevice`. */
  newDevice(): Promise<GPUDevice>;
  /** Whether Ctrl-C was pressed (the trainer's `shouldStop`). */
  stopRequested(): boolean;
  /** Stops listening for Ctrl-C and destroys every device. */
  close(): void;
}

/** Starts listening for Ctrl-C; `unit` is what training finishes first ("step", "epoch"). */
export function nodeTraining(first: GPUDevice, unit: string, log: (s: string) => void): NodeTraining {
  const devices = [first];
  let stop = false;
  const onSigint = () => {
    stop = true;
    log(`interrupted: stopping after this ${unit} (Ctrl-C again to quit at once)`);
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  return {
    newDevice: async () => {
      const fresh = await requestNodeGpu();
      devices.push(fresh.device);
      return fresh.device;
    },
    stopRequested: () => stop,
    close: () => {
      process.removeListener('SIGINT', onSigint);
      for (const d of devices) d.destroy();
    },
  };
}
