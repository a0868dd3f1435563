import { deviceFromEnv, ensureBackend, init, type DeviceName } from '@mmada/tensor';

/** The device the suite runs on: MMADA_DEVICE (cpu | webgpu), cpu by default. */
export async function initTestDevice(): Promise<DeviceName> {
  return init({ device: deviceFromEnv() ?? 'cpu' });
}

/** True where a WebGPU adapter exists; MMADA_DEVICE=webgpu or CI=true demand one, MMADA_DEVICE=cpu skips. */
export async function webgpuAvailable(): Promise<boolean> {
  if (process.env.MMADA_DEVICE === 'cpu') return false;
  try {
    await ensureBackend('webgpu');
    return true;
  } catch (e) {
    if (process.env.MMADA_DEVICE === 'webgpu' || process.env.CI === 'true') throw e;
    return false;
  }
}
