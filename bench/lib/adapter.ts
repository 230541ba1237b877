/**
 * The adapter record of a report and the device the benchmark asks for: the adapter's storage
 * limits (as the runtime's page does) plus timestamp queries when offered.
 */
import type { AdapterRecord } from './report.js';
import { requestDeviceFor } from '../../src/gpu/device.js';

type WithFallback = { isFallbackAdapter?: boolean };

/** Vendor, architecture, device, description and fallback-ness of an adapter. */
export function adapterRecord(adapter: GPUAdapter, device: GPUDevice): AdapterRecord {
  const i = adapter.info;
  const fallback = (i as GPUAdapterInfo & WithFallback).isFallbackAdapter ?? (adapter as GPUAdapter & WithFallback).isFallbackAdapter ?? false;
  return {
    vendor: i?.vendor ?? '',
    architecture: i?.architecture ?? '',
    device: i?.device ?? '',
    description: i?.description ?? '',
    fallback: Boolean(fallback),
    features: [...device.features].map(String).sort(),
  };
}

/** A device for benchmarking on `adapter`: the runtime's own request, labelled for the bench. */
export function benchDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  return requestDeviceFor(adapter, 'webgpu-vae bench');
}

/** The adapter info the runtime's `linearVariant: 'auto'` reads from a device. */
export function deviceAdapterInfo(device: GPUDevice): GPUAdapterInfo | undefined {
  return (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
}
