/**
 * profile(): primitive counts on every device; on webgpu, dispatches per kernel, readbacks, uploads, new buffers
 * and (where the adapter has timestamp queries) device time per kernel. No timing is asserted, only that the
 * numbers describe the work done.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { webgpuAvailable } from '../../../tests/support/devices.js';

const hasGpu = await webgpuAvailable();

describe('profile on cpu', () => {
  it('counts the primitives the function ran and returns its value', async () => {
    await T.init({ device: 'cpu' });
    const a = T.tensor([1, 2, 3, 4], [2, 2]);
    const { value, report } = await T.profile(() => T.sum(T.add(T.matmul(a, a), 1)).item(), { device: 'cpu' });
    expect(value).toBe(7 + 10 + 15 + 22 + 4);
    const calls = Object.fromEntries(report.primitives.map((p) => [p.name, p.calls]));
    expect(calls.matmul).toBe(1);
    expect(calls.binary).toBe(1);
    expect(calls.reduce).toBe(1);
    expect(report.deviceProfile).toBeNull();
    expect(report.device).toBe('cpu');
    expect(T.formatProfile(report)).toContain('matmul 1');
    a.dispose();
  });

  it('stops listening when the function throws', async () => {
    await expect(T.profile(() => Promise.reject(new Error('boom')), { device: 'cpu' })).rejects.toThrow('boom');
    // A second profile can open (the first one was closed).
    const { report } = await T.profile(() => 1, { device: 'cpu' });
    expect(report.primitives).toEqual([]);
  });
});

describe.skipIf(!hasGpu)('profile on webgpu', () => {
  it('reports dispatches per kernel, readbacks, uploads and new buffers of the profiled work only', async () => {
    await T.init({ device: 'webgpu' });
    const before = T.tensor([1, 2, 3], [3]);
    const pendingBefore = T.add(before, before); // queued before the profile: not counted
    const { value, report } = await T.profile(async () => {
      const x = T.tensor(Float32Array.from({ length: 64 * 32 }, (_, i) => (i % 7) - 3), [64, 32]);
      const w = T.tensor(Float32Array.from({ length: 48 * 32 }, (_, i) => (i % 5) - 2), [48, 32]);
      const y = T.matmul(x, w, { transB: true });
      const z = T.add(y, 1);
      const s = await T.sum(z).item();
      T.dispose([x, w, y, z]);
      return s;
    }, { device: 'webgpu' });
    expect(Number.isFinite(value)).toBe(true);
    const d = report.deviceProfile!;
    expect(d).not.toBeNull();
    expect(d.uploads).toBe(3); // x, w and the scalar 1
    expect(d.uploadBytes).toBe(4 * (64 * 32 + 48 * 32 + 1));
    expect(d.readbacks).toBe(1);
    expect(d.readBytes).toBe(4);
    const keys = d.kernels.map((k) => k.key);
    expect(keys.some((k) => k.startsWith('gemm:matmul'))).toBe(true);
    expect(d.dispatches).toBe(d.kernels.reduce((s, k) => s + k.dispatches, 0));
    expect(d.dispatches).toBeGreaterThanOrEqual(3); // matmul, add, sum (a reduction may take more than one pass)
    for (const k of d.kernels) expect(k.ms === null || k.ms >= 0).toBe(true);
    if (d.timestamps) expect(d.kernels.every((k) => k.ms !== null)).toBe(true);
    expect(T.formatProfile(report)).toContain(`dispatches: ${d.dispatches}`);
    T.dispose([before, pendingBefore]);
  });
});
