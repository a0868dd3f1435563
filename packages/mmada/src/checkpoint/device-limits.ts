/**
 * The allocation limits of a device, for refusing a checkpoint that cannot fit before anything is uploaded.
 * On webgpu they are the GPUDevice's `maxBufferSize` / `maxStorageBufferBindingSize` (the backend requests
 * the adapter's own limits); the cpu device has none beyond host memory.
 */
import { getBackend, type DeviceName } from '@mmada/tensor';

export interface DeviceLimits {
  /** Largest single buffer, in bytes. */
  readonly maxBufferSize: number;
  /** Largest range of a buffer a shader can bind as storage, in bytes (larger tensors are bound in row blocks). */
  readonly maxStorageBufferBindingSize: number;
}

/** The device's limits, or undefined when the device reports none (cpu, or a backend that hides them). */
export function deviceLimits(device: DeviceName): DeviceLimits | undefined {
  if (device === 'cpu') return undefined;
  const backend = getBackend(device) as unknown as { device?: { limits?: Partial<DeviceLimits> } };
  const limits = backend.device?.limits;
  if (!limits || typeof limits.maxBufferSize !== 'number' || typeof limits.maxStorageBufferBindingSize !== 'number') return undefined;
  return { maxBufferSize: limits.maxBufferSize, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize };
}
