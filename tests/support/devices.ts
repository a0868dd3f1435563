import { beforeAll, beforeEach, describe } from 'vitest';
import { deviceFromEnv, ensureBackend, init, type DeviceName, type InitOptions } from '@mmada/tensor';

/** Whether a device can run here, and why not. */
export type DeviceStatus = { ok: true } | { ok: false; reason: string };

const statuses = new Map<string, Promise<DeviceStatus>>();

/** True where a missing WebGPU adapter is a failure rather than a skip: CI installs one, MMADA_DEVICE=webgpu asks for it. */
export function webgpuRequired(): boolean {
  return process.env.MMADA_DEVICE === 'webgpu' || process.env.CI === 'true';
}

/**
 * Whether the WebGPU device can run here. MMADA_DEVICE=cpu turns it off (a skip, with that reason); a missing
 * adapter is a skip too, except under CI=true or MMADA_DEVICE=webgpu, where the promise rejects with the adapter's
 * error. The first call creates the device (options as in `init`); later calls reuse the answer.
 */
export function webgpuStatus(options: InitOptions = {}): Promise<DeviceStatus> {
  const k = JSON.stringify({ ...options, gpu: undefined });
  let s = statuses.get(k);
  if (!s) {
    s = (async (): Promise<DeviceStatus> => {
      if (process.env.MMADA_DEVICE === 'cpu') return { ok: false, reason: 'MMADA_DEVICE=cpu' };
      try {
        await ensureBackend('webgpu', options);
        return { ok: true };
      } catch (e) {
        if (webgpuRequired()) throw e;
        return { ok: false, reason: `no webgpu adapter: ${(e as Error).message}` };
      }
    })();
    statuses.set(k, s);
  }
  return s;
}

/** `webgpuStatus(options).ok`: true where the WebGPU device runs (rejects where one is required and missing). */
export async function webgpuAvailable(options: InitOptions = {}): Promise<boolean> {
  return (await webgpuStatus(options)).ok;
}

/** Status of any device: the cpu device always runs. */
export function deviceStatus(device: DeviceName, options: InitOptions = {}): Promise<DeviceStatus> {
  return device === 'webgpu' ? webgpuStatus(options) : Promise.resolve({ ok: true });
}

/**
 * One `describe` per device, named `name [device]`, whose tests are skipped (counted as skipped, with the reason)
 * where the device cannot run. `body` receives the device and registers the tests. A suite that compares WebGPU
 * against the cpu oracle is `describeOnDevices(['webgpu'], …)`.
 */
export function describeOnDevices(
  devices: readonly DeviceName[],
  name: string,
  body: (device: DeviceName) => void,
  options: InitOptions = {},
): void {
  for (const device of devices) {
    describe(`${name} [${device}]`, () => {
      let skip: string | null = null;
      beforeAll(async () => {
        const s = await deviceStatus(device, options);
        if (s.ok) await ensureBackend(device, options);
        else skip = s.reason;
      });
      beforeEach((ctx) => {
        if (skip !== null) ctx.skip(skip);
      });
      body(device);
    });
  }
}

/** The device a whole suite runs on: MMADA_DEVICE (cpu | webgpu), cpu by default; made the default device. */
export async function initTestDevice(): Promise<DeviceName> {
  return init({ device: deviceFromEnv() ?? 'cpu' });
}
