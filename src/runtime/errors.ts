/**
 * Errors that callers catch by type rather than by the wording of their message.
 */

/** The GPU device is gone (driver reset, GPU process crash, `device.destroy()`): rebuild on a new one from a snapshot. */
export class DeviceLostError extends Error {
  constructor(
    /** GPUDeviceLostInfo.reason, or 'unknown'. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceLostError';
  }
}

/** Training diverged and the divergence guard gave up (or had no good state to go back to). */
export class DivergedError extends Error {
  constructor(
    /** The first step whose loss was not finite or exploded. */
    readonly step: number,
    /** The learning rate it trained with. */
    readonly lr: number,
    message: string,
  ) {
    super(message);
    this.name = 'DivergedError';
  }
}
