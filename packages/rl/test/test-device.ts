import { deviceFromEnv, init, type DeviceName } from '@mmada/tensor';

/** The device the suite runs on: MMADA_DEVICE (cpu | webgpu), cpu by default. */
export async function initTestDevice(): Promise<DeviceName> {
  return init({ device: deviceFromEnv() ?? 'cpu' });
}
