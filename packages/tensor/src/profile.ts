/**
 * A profile of some work: which primitives ran, and on a device that can tell (webgpu), every kernel dispatch
 * with its device time (timestamp queries where the adapter has them), buffer copies, readbacks, uploads and
 * new buffers. `MMADA_PROFILE=1` is the conventional switch for code that prints one (`profileRequested`).
 *
 *   const { value, report } = await profile(() => trainStep(), { device: 'webgpu' });
 *   console.log(formatProfile(report));
 */
import type { DeviceName } from './backend.js';
import { getBackend, getDefaultDevice, onPrimitive } from './engine.js';
import type { RuntimeProfile } from './webgpu/runtime-profiler.js';

export type { KernelProfile, RuntimeProfile } from './webgpu/runtime-profiler.js';

export interface ProfileReport {
  readonly device: DeviceName;
  /** Wall time of the profiled function, ms. */
  readonly wallMs: number;
  /** Primitive calls by name, most frequent first (every device). */
  readonly primitives: readonly { readonly name: string; readonly calls: number }[];
  /** What the device did (null on a device without profiling, e.g. cpu). */
  readonly deviceProfile: RuntimeProfile | null;
}

/** True when the environment asks for profiles (MMADA_PROFILE=1). */
export function profileRequested(): boolean {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.MMADA_PROFILE === '1';
}

/**
 * Runs `fn` and reports what it did on `device` (default: the default device). Work queued before the call
 * is flushed first and not counted; the report waits for the work `fn` queued. One profile at a time per device.
 */
export async function profile<T>(fn: () => Promise<T> | T, options: { readonly device?: DeviceName } = {}): Promise<{ value: T; report: ProfileReport }> {
  const device = options.device ?? getDefaultDevice();
  const backend = getBackend(device);
  const calls = new Map<string, number>();
  const stopListening = onPrimitive((e) => {
    if ((e.outputs[0] ?? e.inputs[0])?.device !== device) return;
    calls.set(e.prim, (calls.get(e.prim) ?? 0) + 1);
  });
  backend.startProfile?.();
  const t0 = performance.now();
  let value: T;
  try {
    value = await fn();
  } catch (e) {
    stopListening();
    await backend.stopProfile?.().catch(() => undefined);
    throw e;
  }
  stopListening();
  const deviceProfile = backend.stopProfile ? await backend.stopProfile() : null;
  const wallMs = performance.now() - t0;
  const primitives = [...calls].map(([name, n]) => ({ name, calls: n })).sort((a, b) => b.calls - a.calls);
  return { value, report: { device, wallMs, primitives, deviceProfile } };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/** A plain-text table of a report: totals, then the `top` kernels by device time (or by dispatches). */
export function formatProfile(report: ProfileReport, options: { readonly top?: number } = {}): string {
  const top = options.top ?? 30;
  const d = report.deviceProfile;
  const lines = [`profile on ${report.device}: ${report.wallMs.toFixed(1)} ms wall`];
  lines.push(`primitives: ${report.primitives.reduce((s, p) => s + p.calls, 0)} calls (${report.primitives.map((p) => `${p.name} ${p.calls}`).join(', ')})`);
  if (!d) {
    lines.push('(no device-level profile on this device)');
    return lines.join('\n');
  }
  const timed = d.timestamps;
  const total = d.kernels.reduce((s, k) => s + (k.ms ?? 0), 0);
  lines.push(
    `dispatches: ${d.dispatches}; buffer copies: ${d.copies}; readbacks: ${d.readbacks} (${mib(d.readBytes)}); uploads: ${d.uploads} (${mib(d.uploadBytes)}); ` +
      `new buffers: ${d.buffersCreated} (${mib(d.bytesAllocated)})`,
  );
  lines.push(timed ? `kernel time (device timestamps): ${total.toFixed(1)} ms` : 'kernel time: no timestamp queries on this adapter');
  lines.push('');
  lines.push(`${'kernel'.padEnd(44)} ${'dispatches'.padStart(10)} ${timed ? `${'ms'.padStart(9)} ${'share'.padStart(6)}` : ''}`);
  for (const k of d.kernels.slice(0, top)) {
    const ms = k.ms ?? 0;
    lines.push(`${k.key.padEnd(44)} ${String(k.dispatches).padStart(10)} ${timed ? `${ms.toFixed(2).padStart(9)} ${`${((100 * ms) / (total || 1)).toFixed(1)}%`.padStart(6)}` : ''}`);
  }
  if (d.kernels.length > top) lines.push(`… ${d.kernels.length - top} more kernels`);
  return lines.join('\n');
}
