/**
 * Tensors larger than one storage binding, on webgpu against the cpu oracle. The backend is told to assume a
 * 64 KiB binding limit (the `maxBindingBytes` option; MMADA_WEBGPU_MAX_BINDING_BYTES does the same from the
 * environment), so small tensors take the paths an 8B model's embedding (134,656 × 4,096) and LM head take on
 * a real adapter: embedding gathers over row blocks of the table (and of the output), x · Wᵀ over row blocks of
 * W, x and the output, for f32, f16 and bf16 tables and weights. Ops that cannot split are a clear error.
 * Skipped when no adapter exists or MMADA_DEVICE=cpu. Tolerance of the matmuls: atol 1e-4, rtol 1e-4.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import type { DType, Tensor } from '../src/index.js';
import type { WebGPUBackend } from '../src/webgpu/backend.js';
import { maxBindingBytesFromEnv, type Runtime } from '../src/webgpu/runtime.js';
import { rowsPerBlock } from '../src/webgpu/kernels/row-blocks.js';
import { webgpuAvailable } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng } from '../../../tests/support/rng.js';

const LIMIT = 65536;
const hasGPU = await webgpuAvailable({ maxBindingBytes: LIMIT });
await T.init({ device: 'cpu' });

const dotTol = { atol: 1e-4, rtol: 1e-4 };

function pair(values: number[], shape: number[], dtype: DType): [Tensor, Tensor] {
  return [T.tensor(values, shape, dtype, { device: 'cpu' }), T.tensor(values, shape, dtype, { device: 'webgpu' })];
}

function randomPair(r: () => number, shape: number[], dtype: DType = 'f32'): [Tensor, Tensor] {
  return pair(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => 2 * r() - 1), shape, dtype);
}

function ids(r: () => number, n: number, V: number): number[] {
  // mostly in range, with the first and last rows, and out-of-range ids that must read 0
  const out = Array.from({ length: n }, () => Math.floor(r() * V));
  out[0] = V - 1;
  if (n > 3) [out[1], out[2], out[3]] = [0, V, -1];
  return out;
}

describe('MMADA_WEBGPU_MAX_BINDING_BYTES', () => {
  it('is read as a byte count; a bad value is an error naming the variable', () => {
    const saved = process.env.MMADA_WEBGPU_MAX_BINDING_BYTES;
    try {
      delete process.env.MMADA_WEBGPU_MAX_BINDING_BYTES;
      expect(maxBindingBytesFromEnv()).toBeUndefined();
      process.env.MMADA_WEBGPU_MAX_BINDING_BYTES = '65536';
      expect(maxBindingBytesFromEnv()).toBe(65536);
      for (const bad of ['64', '1e6', '-4096', 'lots']) {
        process.env.MMADA_WEBGPU_MAX_BINDING_BYTES = bad;
        expect(() => maxBindingBytesFromEnv()).toThrow(/MMADA_WEBGPU_MAX_BINDING_BYTES: expected an integer number of bytes ≥ 1024/);
      }
    } finally {
      if (saved === undefined) delete process.env.MMADA_WEBGPU_MAX_BINDING_BYTES;
      else process.env.MMADA_WEBGPU_MAX_BINDING_BYTES = saved;
    }
  });
});

describe('rowsPerBlock', () => {
  const rt = (bindingAlignment: number, maxBindingBytes: number) => ({ bindingAlignment, maxBindingBytes }) as Runtime;
  it('fits every row size in one binding and starts every viewed block on the offset alignment', () => {
    // 96-byte rows: 8 rows make 768 = 3 × 256 bytes, so blocks of a multiple of 8 rows start aligned
    expect(rowsPerBlock(rt(256, 65536), [96], [], 'w')).toBe(680);
    expect(rowsPerBlock(rt(16, 65536), [96], [], 'w')).toBe(682);
    // a fresh (unaligned) row size only bounds the count
    expect(rowsPerBlock(rt(256, 65536), [96], [1000], 'w')).toBe(64);
    // the real head's rows (134,656 f32 = 538,624 bytes) need no step; 2 GB of bf16 weight rows at 128 MiB
    expect(rowsPerBlock(rt(256, 134217728), [134656 * 4], [], 'out')).toBe(249);
    expect(rowsPerBlock(rt(256, 134217728), [4096 * 2], [], 'w')).toBe(16384);
  });
  it('names the block that cannot fit', () => {
    expect(() => rowsPerBlock(rt(256, 65536), [6004], [], 'matmul rows')).toThrow(/webgpu matmul rows: a block of 64 rows of 6004 bytes does not fit the 65536-byte/);
  });
});

describe.skipIf(!hasGPU)('tensors over the storage binding limit on webgpu', () => {
  it('the backend assumes the lowered limit; views must start aligned and stay inside their storage', async () => {
    const backend = (await T.ensureBackend('webgpu')) as WebGPUBackend;
    const rt = backend.runtime;
    expect(rt.maxBindingBytes).toBe(LIMIT);
    const s = rt.createStorage(4096);
    const a = rt.bindingAlignment;
    const v = rt.view(rt.view(s, a, 1024), a, 256); // a view of a view is a view of the parent
    expect([v.offset, v.bytes, v.parent]).toEqual([2 * a, 256, s]);
    expect(() => rt.view(s, a + 4, 16)).toThrow(/offsets are multiples of/);
    expect(() => rt.view(s, 0, 4100)).toThrow(/a view of 4100 bytes at 0 of a 4096-byte storage/);
    rt.release(v); // a view owns nothing
    expect(s.freed).toBe(false);
    rt.release(s);
  });

  it('embedding gathers a table over the limit in row blocks, bit for bit (f32, f16 and bf16; odd widths; out-of-range ids read 0)', async () => {
    const r = rng(21);
    for (const [V, d, dtype] of [[1100, 24, 'f32'], [7000, 5, 'f16'], [6000, 6, 'bf16'], [5463, 3, 'f32']] as const) {
      const table = randomPair(r, [V, d], dtype);
      expect(table[1].bytes).toBeGreaterThan(LIMIT);
      const id = pair(ids(r, 14, V), [2, 7], 'i32');
      const want = T.embedding(table[0], id[0]);
      const got = T.embedding(table[1], id[1]);
      expect(got.dtype).toBe(dtype);
      expect(Array.from(await got.data()), `${V}x${d} ${dtype}`).toEqual(Array.from(await want.data()));
    }
  });

  it('embedding whose output is also over the limit (many ids) splits the output rows too', async () => {
    const r = rng(22);
    for (const dtype of ['f32', 'bf16'] as const) {
      const table = randomPair(r, [1100, 24], dtype);
      const id = pair(ids(r, 1500, 1100), [1500], 'i32');
      const got = T.embedding(table[1], id[1]);
      expect(got.bytes).toBeGreaterThan(LIMIT);
      expect(Array.from(await got.data())).toEqual(Array.from(await T.embedding(table[0], id[0]).data()));
    }
  });

  it('x · Wᵀ with W over the limit (the LM head), in f32, f16 and bf16, batched x, output over the limit', async () => {
    const r = rng(23);
    // an odd width where only W splits; a width of whole 256-byte output rows where the output splits too
    // (views start at minStorageBufferOffsetAlignment, 256 bytes on most adapters, as the real head's rows do)
    for (const dtype of ['f32', 'f16', 'bf16'] as const) {
      for (const [B, M, K, N] of [[1, 1, 24, 1501], [3, 2, 24, 1501], [3, 5, 24, 1536]]) {
        const x = randomPair(r, [B!, M!, K!]);
        const w = randomPair(r, [N!, K!], dtype);
        const got = T.matmul(x[1], w[1], { transB: true });
        expect(got.shape).toEqual([B, M, N]);
        await expectClose(got, T.matmul(x[0], w[0], { transB: true }), dotTol, `${dtype} ${B}x${M}x${K} · ${N}x${K}ᵀ`);
      }
    }
  });

  it('x · Wᵀ with x over the limit and a small W splits x and the output by rows', async () => {
    const r = rng(24);
    const x = randomPair(r, [1000, 24]);
    const w = randomPair(r, [10, 24]);
    expect(x[1].bytes).toBeGreaterThan(LIMIT);
    await expectClose(T.matmul(x[1], w[1], { transB: true }), T.matmul(x[0], w[0], { transB: true }), dotTol, '1000x24 · 10x24ᵀ');
  });

  it('ops that cannot split a tensor over the limit are an error naming the limit', async () => {
    const r = rng(25);
    const big = randomPair(r, [1100, 24]);
    const small = randomPair(r, [2, 1100]);
    expect(() => T.matmul(small[1], big[1])).toThrow(/exceeds the 65536-byte storage binding limit; only f32 x · Wᵀ/);
    expect(() => T.exp(big[1])).toThrow(/over the 65536-byte storage binding limit/);
    // the tensor itself is intact and readable (copies are not bindings)
    expect(Array.from(await big[1].data())).toEqual(Array.from(await big[0].data()));
  });
});
