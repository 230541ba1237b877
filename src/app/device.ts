/**
 * The training worker's GPU device, replaceable after a loss (driver reset, GPU process crash,
 * or the `?testhooks=1` hook). A readback pending on a lost device need not settle, so GPU work
 * of the session is raced against the loss of the device it started on.
 */

/** "destroyed: Device was destroyed" from a GPUDeviceLostInfo. */
export function lostText(info: GPUDeviceLostInfo): string {
  const message = info.message.trim().replace(/\.$/, '');
  return `${info.reason || 'unknown reason'}${message ? `: ${message}` : ''}`;
}

/** The current device, the news of its loss, and a way to get a new one. */
export class DeviceSlot {
  private current!: GPUDevice;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private lostSignal!: Promise<GPUDeviceLostInfo>;
  /** Devices replaced so far: an error from before a replacement belongs to a lost device. */
  generation = 0;

  constructor(
    device: GPUDevice,
    /** Requests a new adapter and device (throws when there is none). */
    private readonly open: () => Promise<GPUDevice>,
    /** Called once when the current device is lost (not for devices already replaced). */
    private readonly onLost: (info: GPUDeviceLostInfo) => void,
  ) {
    this.use(device);
  }

  private use(device: GPUDevice): void {
    this.current = device;
    this.lostInfo = null;
    this.lostSignal = device.lost;
    device.lost.then((info) => {
      if (this.current !== device) return;
      this.lostInfo = info;
      this.onLost(info);
    });
  }

  get device(): GPUDevice {
    return this.current;
  }

  /** How the current device was lost, or null while it works. */
  get lost(): GPUDeviceLostInfo | null {
    return this.lostInfo;
  }

  /** `p`, or a rejection as soon as the device current now is lost. */
  untilLost<T>(p: Promise<T>): Promise<T> {
    const lost = this.lostSignal.then((info): never => {
      throw new Error(`GPU device lost (${lostText(info)})`);
    });
    return Promise.race([p, lost]);
  }

  /**
   * After an error: waits up to `ms` for the device to be reported lost (a failed readback can
   * come back before `device.lost` resolves) and says whether it was.
   */
  async settle(ms: number): Promise<boolean> {
    if (this.lostInfo) return true;
    await Promise.race([this.lostSignal, new Promise((r) => setTimeout(r, ms))]);
    // device.lost's own handler (registered first) has run by now if it resolved.
    await Promise.resolve();
    return this.lostInfo !== null;
  }

  /** Requests a new device in place of the lost one (which is destroyed). Throws when none can be had. */
  async replace(): Promise<GPUDevice> {
    const old = this.current;
    const device = await this.open();
    this.use(device);
    this.generation++;
    old.destroy();
    return device;
  }

  /** Test hook: destroys the current device, as a driver reset would lose it. */
  loseForTest(): void {
    this.current.destroy();
  }
}
