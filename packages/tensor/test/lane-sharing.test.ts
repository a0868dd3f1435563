/**
 * Lane sharing (Runtime.laneSharing): where every subgroup is 8 lanes (lavapipe), lanes that read the same elements
 * let one lane read each and take it from that lane. GEMMs (gemm.ts) share A among the lanes holding the same rows
 * of C; attention and its backward (lane-sharing.ts) share each tile row. Results must be bitwise those of per-lane
 * reads (same elements, same order of arithmetic): every GEMM operand layout, C's edges (lanes past N or M),
 * grouped products whose parts a subgroup straddles (the shader falls back there), conv2d and its gradients, and
 * attention with tiles whose key or query count is not a multiple of 8, masks, a bias and token-major values.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Backend, OutSpec, TensorRef } from '../src/backend.js';
import type { PrimitiveName, PrimitiveParams } from '../src/primitives.js';
import { sizeOf } from '../src/shape.js';
import { getBackend } from '../src/engine.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/webgpu/backend.js';
import { laneSharingEnabled } from '../src/webgpu/runtime.js';
import { isEightLaneBlocks } from '../src/webgpu/subgroup-layout.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { rng } from '../../../tests/support/rng.js';

it('is on exactly where subgroups are always 8 lanes, unless asked not to', () => {
  expect(laneSharingEnabled(true, [8, 8], undefined)).toBe(true);
  expect(laneSharingEnabled(true, [8, 8], true)).toBe(true);
  expect(laneSharingEnabled(true, [8, 8], false)).toBe(false);
  expect(laneSharingEnabled(false, [8, 8], true)).toBe(false);
  expect(laneSharingEnabled(true, [8, 32], undefined)).toBe(false);
  expect(laneSharingEnabled(true, [16, 16], undefined)).toBe(false);
  expect(laneSharingEnabled(true, null, true)).toBe(false);
});

// Held for the whole file: dawn.node must not collect a GPU object while its device lives.
let perLane: WebGPUBackend | null = null;

describeOnDevices(['webgpu'], 'lane sharing', () => {
  let shared: WebGPUBackend;
  beforeAll(async () => {
    shared = getBackend('webgpu') as WebGPUBackend;
    perLane ??= await createWebGPUBackend({ laneSharing: false });
  });

  it('the default device shares lanes where its adapter allows, the other does not', () => {
    expect(shared.runtime.laneSharing).toBe(laneSharingEnabled(shared.runtime.hasSubgroups, shared.runtime.subgroupSizes, undefined));
    expect(perLane!.runtime.laneSharing).toBe(false);
  });

  /** Runs a primitive on a backend from host data; the outputs as typed arrays. */
  async function run<P extends PrimitiveName>(b: Backend, prim: P, inputs: Host[], params: PrimitiveParams[P], outs: OutSpec[]) {
    const refs: TensorRef[] = inputs.map((t) => ({ storage: b.upload(t.data, t.dtype ?? 'f32'), shape: t.shape, dtype: t.dtype ?? 'f32', size: sizeOf(t.shape) }));
    const kernel = (b.kernels as unknown as Record<string, (i: TensorRef[], p: unknown, o: OutSpec[]) => unknown[]>)[prim]!;
    const res = kernel(refs, params, outs);
    const data = await Promise.all(res.map((s, i) => b.read({ storage: s as never, shape: outs[i]!.shape, dtype: 'f32', size: sizeOf(outs[i]!.shape) })));
    for (const r of refs) b.free(r.storage);
    for (const s of res) b.free(s as never);
    return data;
  }

  interface Host {
    data: Float32Array | Uint8Array | Int32Array;
    shape: number[];
    dtype?: 'f32' | 'bool' | 'i32';
  }
  const r = rng(23);
  const host = (shape: number[]): Host => ({ data: Float32Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1), shape });
  const bools = (shape: number[]): Host => ({ data: Uint8Array.from({ length: sizeOf(shape) }, () => (r() < 0.8 ? 1 : 0)), shape, dtype: 'bool' });
  const f32 = (shape: number[]): OutSpec => ({ shape, dtype: 'f32' });

  async function same<P extends PrimitiveName>(prim: P, inputs: Host[], params: PrimitiveParams[P], outs: OutSpec[], what: string) {
    const [a, b] = [await run(shared, prim, inputs, params, outs), await run(perLane!, prim, inputs, params, outs)];
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
      // by rows (conv-rows.ts): stride 2 with channels not a multiple of its rows, stride 1 with 3 channels
      { x: [2, 10, 32, 16], w: [4, 10, 3, 3], stride: [2, 2] as [number, number] },
      { x: [2, 3, 16, 16], w: [9, 3, 3, 3], stride: [1, 1] as [number, number] },
      // 20 and 18 channels: a block of 16 rows and a part-filled one (input gradient, forward)
      { x: [2, 20, 16, 16], w: [18, 20, 3, 3], stride: [1, 1] as [number, number] },
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

  it('attention and its backward: key and query tiles not a multiple of 8, mask, bias, token-major values', async () => {
    for (const [B, H, T, D, Dv] of [
      [2, 2, 70, 8, 8],
      [1, 2, 45, 12, 6],
    ] as const) {
      const scale = 1 / Math.sqrt(D);
      const [q, k, v, out, gradOut] = [host([B, H, T, D]), host([B, H, T, D]), host([B, H, T, Dv]), host([B, H, T, Dv]), host([B, H, T, Dv])];
      const [mask, bias] = [bools([B, T]), host([1, H, T, T])];
      const what = `B${B} H${H} T${T} D${D} Dv${Dv}`;
      const y = [f32([B, H, T, Dv])];
      const tm = [f32([B, T, H, Dv])];
      await same('attention', [q, k, v], { scale, hasMask: false, hasBias: false, tokenMajorValues: false }, y, `attention ${what}`);
      await same('attention', [q, k, v, mask, bias], { scale, hasMask: true, hasBias: true, tokenMajorValues: false }, y, `attention + mask + bias ${what}`);
      await same('attention', [q, k, host([B, T, H, Dv]), mask], { scale, hasMask: true, hasBias: false, tokenMajorValues: true }, tm, `attention token-major ${what}`);
      const grads = [f32([B, H, T, D]), f32([B, H, T, D]), f32([B, H, T, Dv])];
      await same('attentionBackward', [q, k, v, out, gradOut], { scale, hasMask: false, hasBias: false, tokenMajorValues: false }, grads, `attentionBackward ${what}`);
      await same('attentionBackward', [q, k, v, mask, bias, out, gradOut], { scale, hasMask: true, hasBias: true, tokenMajorValues: false }, [...grads, f32([B, H, T, T])], `attentionBackward + mask + bias ${what}`);
      await same('attentionBackward', [q, k, host([B, T, H, Dv]), mask, host([B, T, H, Dv]), host([B, T, H, Dv])], { scale, hasMask: true, hasBias: false, tokenMajorValues: true }, [grads[0]!, grads[1]!, f32([B, T, H, Dv])], `attentionBackward token-major ${what}`);
    }
  });

  it('row kernels: softmax, logSoftmax, rms and layer norm, rmsNorm and groupNorm backward, cross-entropy (rows longer and shorter than a workgroup)', async () => {
    for (const shape of [
      [5, 300],
      [7, 33],
      [3, 5],
    ]) {
      const [R, D] = shape as [number, number];
      const [x, w, b, g] = [host(shape), host([D]), host([D]), host(shape)];
      const what = shape.join('x');
      await same('softmax', [x], {}, [f32(shape)], `softmax ${what}`);
      await same('logSoftmax', [x], {}, [f32(shape)], `logSoftmax ${what}`);
      await same('rmsNorm', [x, w], { eps: 1e-5, hasWeight: true }, [f32(shape)], `rmsNorm ${what}`);
      await same('layerNorm', [x, w, b], { eps: 1e-5, hasWeight: true, hasBias: true }, [f32(shape)], `layerNorm ${what}`);
      await same('rmsNormBackward', [x, w, g], { eps: 1e-5, hasWeight: true, hasAddend: false }, [f32(shape), f32(shape)], `rmsNormBackward ${what}`);
      const targets: Host = { data: Int32Array.from({ length: R }, (_, i) => (i * 7) % D), shape: [R], dtype: 'i32' };
      await same('crossEntropy', [x, targets], { ignoreIndex: -100 }, [f32([R])], `crossEntropy ${what}`);
    }
    const shape = [2, 4, 16, 16];
    await same('groupNormBackward', [host(shape), host([4]), host(shape)], { groups: 2, eps: 1e-5, hasWeight: true, hasBias: true, hasAddend: false }, [f32(shape), f32([4]), f32([4])], 'groupNormBackward');
  });
});

it('the subgroup layout probe accepts only blocks of 8 consecutive invocations, in both workgroup shapes', () => {
  // words 0–127: the 64-invocation workgroup, 128–255: the 8 × 8 one; each invocation writes (lane, size)
  const words = (lane: (t: number) => number, size = 8, square: (t: number) => number = lane) =>
    Uint32Array.from({ length: 256 }, (_, i) => (i % 2 === 1 ? size : i < 128 ? lane(i / 2) : square((i - 128) / 2)));
  expect(isEightLaneBlocks(words((t) => t % 8))).toBe(true);
  expect(isEightLaneBlocks(words((t) => (t * 5) % 8))).toBe(false);
  expect(isEightLaneBlocks(words((t) => Math.floor(t / 8) % 8))).toBe(false);
  expect(isEightLaneBlocks(words((t) => t % 8, 16))).toBe(false);
  // a 64-invocation layout that holds, with 8 × 8 subgroups running down the columns
  expect(isEightLaneBlocks(words((t) => t % 8, 8, (t) => Math.floor(t / 8)))).toBe(false);
  expect(isEightLaneBlocks(new Uint32Array(128))).toBe(false);
});
