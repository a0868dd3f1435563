/**
 * GEMM lane sharing (gemm.ts): where every subgroup is 8 lanes (lavapipe), the lanes that hold the same rows of C
 * fetch A once between them and broadcast it. The products must be bitwise those of per-lane fetches (same
 * elements, same order of multiply-adds), on every operand layout, at C's edges (lanes past N or M), for grouped
 * products whose parts a subgroup straddles (the shader falls back there), and for conv2d and its gradients.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Backend, OutSpec, TensorRef } from '../src/backend.js';
import type { PrimitiveName, PrimitiveParams } from '../src/primitives.js';
import { sizeOf } from '../src/shape.js';
import { getBackend } from '../src/engine.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/webgpu/backend.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { rng } from '../../../tests/support/rng.js';

describeOnDevices(['webgpu'], 'GEMM lane sharing', () => {
  let shared: WebGPUBackend;
  let perLane: WebGPUBackend;
  beforeAll(async () => {
    shared = getBackend('webgpu') as WebGPUBackend;
    perLane = await createWebGPUBackend({ gemmLaneSharing: false });
  });

  it('is on by default exactly where every subgroup is 8 lanes, and off when asked', async () => {
    expect(perLane.runtime.gemmLaneSharing).toBe(false);
    const sizes = shared.runtime.subgroupSizes;
    expect(shared.runtime.gemmLaneSharing).toBe(shared.runtime.hasSubgroups && sizes?.[0] === 8 && sizes[1] === 8);
    const eight = await createWebGPUBackend({ subgroupSizes: [8, 8] });
    expect(eight.runtime.gemmLaneSharing).toBe(shared.runtime.hasSubgroups);
    const off = await createWebGPUBackend({ gemmLaneSharing: false, subgroupSizes: [8, 8] });
    expect(off.runtime.gemmLaneSharing).toBe(false);
    const wide = await createWebGPUBackend({ subgroupSizes: [8, 32] });
    expect(wide.runtime.gemmLaneSharing).toBe(false);
  });

  /** Runs a primitive on a backend from host data; the outputs as typed arrays. */
  async function run<P extends PrimitiveName>(b: Backend, prim: P, inputs: { data: Float32Array; shape: number[] }[], params: PrimitiveParams[P], outs: OutSpec[]) {
    const refs: TensorRef[] = inputs.map((t) => ({ storage: b.upload(t.data, 'f32'), shape: t.shape, dtype: 'f32', size: sizeOf(t.shape) }));
    const kernel = (b.kernels as unknown as Record<string, (i: TensorRef[], p: unknown, o: OutSpec[]) => unknown[]>)[prim]!;
    const res = kernel(refs, params, outs);
    const data = await Promise.all(res.map((s, i) => b.read({ storage: s as never, shape: outs[i]!.shape, dtype: 'f32', size: sizeOf(outs[i]!.shape) })));
    for (const r of refs) b.free(r.storage);
    for (const s of res) b.free(s as never);
    return data;
  }

  const r = rng(23);
  const host = (shape: number[]) => ({ data: Float32Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1), shape });
  const f32 = (shape: number[]): OutSpec => ({ shape, dtype: 'f32' });

  async function same<P extends PrimitiveName>(prim: P, inputs: { data: Float32Array; shape: number[] }[], params: PrimitiveParams[P], outs: OutSpec[], what: string) {
    const [a, b] = [await run(shared, prim, inputs, params, outs), await run(perLane, prim, inputs, params, outs)];
    for (let o = 0; o < outs.length; o++) {
      const [x, y] = [a[o]!, b[o]!];
      expect(x.length, what).toBe(y.length);
      let differ = 0;
      for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) differ++;
      expect(differ, `${what}: elements that differ in output ${o}`).toBe(0);
      // and not a trivial product
      expect(Array.from(x as Float32Array).some((v) => v !== 0), what).toBe(true);
    }
  }

  it('matmul: every layout, C edges inside a subgroup, short M (fewer rows per invocation), batches and an addend', async () => {
    const cases: { M: number; K: number; N: number; tA: boolean; tB: boolean; batch?: number }[] = [
      { M: 130, K: 72, N: 100, tA: false, tB: false },
      { M: 130, K: 72, N: 100, tA: true, tB: false },
      { M: 130, K: 72, N: 100, tA: false, tB: true },
      { M: 130, K: 72, N: 100, tA: true, tB: true },
      { M: 3, K: 9, N: 40, tA: false, tB: false },
      { M: 6, K: 8, N: 36, tA: true, tB: false },
      { M: 33, K: 5, N: 70, tA: false, tB: false },
      { M: 37, K: 11, N: 19, tA: true, tB: true },
      { M: 20, K: 12, N: 36, tA: false, tB: false, batch: 2 },
    ];
    for (const c of cases) {
      const lead = c.batch ? [c.batch] : [];
      const a = host([...lead, ...(c.tA ? [c.K, c.M] : [c.M, c.K])]);
      const b = host([...lead, ...(c.tB ? [c.N, c.K] : [c.K, c.N])]);
      const what = `matmul ${JSON.stringify(c)}`;
      await same('matmul', [a, b], { transA: c.tA, transB: c.tB }, [f32([...lead, c.M, c.N])], what);
      await same('matmul', [a, b, host([...lead, c.M, c.N])], { transA: c.tA, transB: c.tB, hasAddend: true }, [f32([...lead, c.M, c.N])], `${what} + addend`);
    }
  });

  it('matmulMany: bands a subgroup stays inside (shared fetches) and straddles (per-lane fallback)', async () => {
    for (const bands of [
      [64, 32, 96],
      [24, 16, 44],
    ]) {
      const [M, K] = [40, 24];
      const x = host([M, K]);
      const ws = bands.map((n) => host([n, K]));
      await same('matmulMany', [x, ...ws], { group: 'sharedA', count: bands.length, transA: false, transB: true }, bands.map((n) => f32([M, n])), `sharedA [${bands}]`);
      const cts = bands.map((n) => host([M, n]));
      await same('matmulMany', [...cts, x], { group: 'sharedB', count: bands.length, transA: true, transB: false }, bands.map((n) => f32([n, K])), `sharedB [${bands}]`);
      const vs = bands.map((n) => host([n, K]));
      await same('matmulMany', [...cts, ...vs], { group: 'sum', count: bands.length, transA: false, transB: false }, [f32([M, K])], `sum [${bands}]`);
    }
  });

  it('conv2d and both of its gradients', async () => {
    for (const c of [
      { x: [2, 8, 12, 12], w: [16, 8, 3, 3], stride: [1, 1] as [number, number] },
      { x: [3, 5, 9, 9], w: [6, 5, 3, 3], stride: [2, 2] as [number, number] },
    ]) {
      const [N, , H, W] = c.x as [number, number, number, number];
      const O = c.w[0]!;
      const Ho = Math.floor((H + 2 - 3) / c.stride[0]) + 1;
      const Wo = Math.floor((W + 2 - 3) / c.stride[1]) + 1;
      const params = { stride: c.stride, padding: [1, 1, 1, 1] as [number, number, number, number], dilation: [1, 1] as [number, number] };
      const [x, w, g] = [host(c.x), host(c.w), host([N, O, Ho, Wo])];
      const what = JSON.stringify(c);
      await same('conv2d', [x, w], { ...params, hasBias: false }, [f32([N, O, Ho, Wo])], `conv2d ${what}`);
      await same('conv2dBackwardInput', [g, w], params, [f32(c.x)], `conv2dBackwardInput ${what}`);
      await same('conv2dBackwardWeight', [x, g], params, [f32(c.w)], `conv2dBackwardWeight ${what}`);
    }
  });
});
