/**
 * Choosing the device in a browser: WebGPU through `navigator.gpu` when the browser has it and an adapter
 * answers, otherwise the cpu device with a message that says why.
 */
import { getBackend, init, type DeviceName } from '@mmada/tensor';

export interface DeviceChoice {
  readonly device: DeviceName;
  /** The adapter's vendor / architecture / description, or 'cpu'. */
  readonly adapter: string;
  /** Why the page runs on the cpu device although WebGPU was asked for; undefined otherwise. */
  readonly fallback?: string;
}

/** `navigator.gpu` where the browser has WebGPU. */
export function browserGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

/** Initialises `wanted` (default webgpu), falling back to cpu with the reason. */
export async function chooseDevice(wanted: DeviceName = 'webgpu'): Promise<DeviceChoice> {
  await init({ device: 'cpu' });
  if (wanted === 'cpu') return { device: 'cpu', adapter: 'cpu' };
  const gpu = browserGpu();
  if (!gpu) {
    return {
      device: 'cpu',
      adapter: 'cpu',
      fallback: 'This browser has no WebGPU (navigator.gpu is missing; it needs a secure context such as https or localhost, and a browser with WebGPU enabled). Running on the cpu device instead.',
    };
  }
  try {
    await init({ device: 'webgpu', gpu });
  } catch (e) {
    await init({ device: 'cpu' });
    return { device: 'cpu', adapter: 'cpu', fallback: `WebGPU is present but gave no usable device (${(e as Error).message}). Running on the cpu device instead.` };
  }
  const info = (getBackend('webgpu') as { adapterInfo?: string }).adapterInfo;
  return { device: 'webgpu', adapter: info || 'WebGPU adapter (no name given)' };
}
