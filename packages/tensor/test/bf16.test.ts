/**
 * bf16, the packed storage dtype of 8B-class checkpoints: rounding (bit for bit against dtype.ts), arithmetic
 * in f32 rounded back, promotion, safetensors BF16 kept packed, and every webgpu kernel path a bf16 tensor
 * takes (cast both ways, fill, arange, layout copies, gather, matmul with a bf16 weight) against the cpu oracle.
 * WebGPU cases are skipped when no adapter exists or MMADA_DEVICE=cpu.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { bf16BitsToF32, f32ToBf16Bits, promoteTypes, type DType, type Tensor } from '../src/index.js';
import { f32ToHalfBits, halfBitsToF32, isHalf } from '../src/dtype.js';
import { decodeTensorBytes, encodeTensorValues } from '../src/io/dtype-convert.js';
import { webgpuAvailable } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng } from '../../../tests/support/rng.js';

const hasGPU = await webgpuAvailable();
await T.init({ device: 'cpu' });

/** Values that exercise rounding: ties to even, subnormals, overflow to inf, NaN, signed zero. */
const EDGE = [
  0, -0, 1, -1, 1.00390625 /* tie: 1 + 2^-8 rounds to even (1) */, 1.01171875 /* tie rounds up */, 3.4028234663852886e38,
  -3.3961775292304e38, 1e-40, -1e-45, Infinity, -Infinity, NaN, 65504, 123456.789, -7.3e-20, 0.1, 2 ** -126,
];

const rounded = (v: number): number => bf16BitsToF32(f32ToBf16Bits(v));

function randomValues(r: () => number, n: number, scale = 2): number[] {
  return Array.from({ length: n }, () => scale * (2 * r() - 1));
}

async function bits(t: Tensor): Promise<number[]> {
  return Array.from(await t.data(), (v) => f32ToBf16Bits(v));
}

describe('bf16 on the cpu device', () => {
  it('stores values rounded to nearest even (NaN stays NaN) and reads them back as f32', async () => {
    const t = T.tensor(EDGE, [EDGE.length], 'bf16');
    expect(t.dtype).toBe('bf16');
    expect(t.bytes).toBe(EDGE.length * 2);
    const got = Array.from(await t.data());
    got.forEach((v, i) => expect(Object.is(v, rounded(EDGE[i]!)) || (Number.isNaN(v) && Number.isNaN(EDGE[i]!)), `${EDGE[i]}`).toBe(true));
    expect(rounded(1.00390625)).toBe(1);
    expect(rounded(1.01171875)).toBe(1.015625);
  });

  it('computes in f32 and rounds back; promotes with f32 to f32 and with f16 to f32', async () => {
    const a = T.tensor([1.5, 300, -2.25], [3], 'bf16');
    const b = T.tensor([0.0078125, 1, 4], [3], 'bf16');
    const s = T.add(a, b);
    expect(s.dtype).toBe('bf16');
    expect(Array.from(await s.data())).toEqual([rounded(1.5078125), rounded(301), 1.75]);
    expect(T.add(a, T.tensor([1, 1, 1])).dtype).toBe('f32');
    expect(promoteTypes('bf16', 'f16')).toBe('f32');
    expect(promoteTypes('bf16', 'i32')).toBe('bf16');
    expect(isHalf('bf16') && isHalf('f16') && !isHalf('f32')).toBe(true);
    expect(T.sum(a).dtype).toBe('bf16');
    expect(await T.sum(a).item()).toBe(rounded(1.5 + 300 - 2.25));
    expect(T.rmsNorm(a, null).dtype).toBe('bf16');
  });

  it('halfBitsToF32 / f32ToHalfBits pick the format by dtype', () => {
    expect(halfBitsToF32('bf16', 0x3f80)).toBe(1);
    expect(halfBitsToF32('f16', 0x3f80)).toBe(1.875);
    expect(f32ToHalfBits('bf16', -2)).toBe(0xc000);
    expect(f32ToHalfBits('f16', -2)).toBe(0xc000);
    expect(f32ToHalfBits('bf16', 1e5)).toBe(f32ToBf16Bits(1e5));
    expect(f32ToHalfBits('f16', 1e5)).toBe(0x7c00); // over 65504: infinity in f16, finite in bf16
  });

  it('casts f16 <-> bf16 through f32 (exact widening, one rounding)', async () => {
    const h = T.tensor([65504, 1e-7, -3.140625], [3], 'f16');
    const b = T.cast(h, 'bf16');
    const hv = Array.from(await h.data());
    expect(Array.from(await b.data())).toEqual(hv.map(rounded));
    expect(Array.from(await T.cast(T.tensor([2.5, -1], [2], 'bf16'), 'f16').data())).toEqual([2.5, -1]);
  });
});

describe('safetensors BF16 kept packed', () => {
  it("reads raw bits as bf16 with { bf16: 'packed' } (f32 by default) and writes them back bit for bit", () => {
    const raw = new Uint16Array([0x3f80, 0xc0a0, 0x7f80, 0x0001, 0x7fc1]);
    const bytes = new Uint8Array(raw.buffer);
    const info = { name: 'w', dtype: 'BF16' as const };
    const packed = decodeTensorBytes(info, bytes, 'm.safetensors', { bf16: 'packed' });
    const unpacked = decodeTensorBytes(info, bytes, 'm.safetensors');
    if (E.isLeft(packed) || E.isLeft(unpacked)) throw new Error('decode failed');
    expect(packed.right.dtype).toBe('bf16');
    expect(Array.from(packed.right.data)).toEqual(Array.from(raw));
    expect(unpacked.right.dtype).toBe('f32');
    expect(Array.from(unpacked.right.data as Float32Array).slice(0, 2)).toEqual([1, -5]);
    const t = T.fromRaw(packed.right.data, [5], 'bf16');
    return t.data().then((values) => {
      const out = encodeTensorValues(values, 'bf16', 'BF16', 'w', 'm.safetensors');
      expect(Array.from(new Uint16Array(out.buffer, out.byteOffset, 5))).toEqual(Array.from(raw));
    });
  });
});

describe.skipIf(!hasGPU)('bf16 on webgpu matches the cpu oracle', () => {
  const on = (values: number[], shape: number[], dtype: DType): [Tensor, Tensor] => [
    T.tensor(values, shape, dtype, { device: 'cpu' }),
    T.tensor(values, shape, dtype, { device: 'webgpu' }),
  ];
  async function sameBits(f: (d: 0 | 1) => Tensor, what: string): Promise<void> {
    const c = f(0);
    const g = f(1);
    expect(g.device, what).toBe('webgpu');
    expect(g.dtype, what).toBe(c.dtype);
    expect(g.shape, what).toEqual(c.shape);
    expect(await bits(g), what).toEqual(await bits(c));
  }

  it('upload, read, cast f32 -> bf16 -> f32 / f16 / i32, bit for bit (odd length, edge values)', async () => {
    const r = rng(7);
    const values = [...EDGE, ...randomValues(r, 37, 1e3)];
    const x = on(values, [values.length], 'f32');
    await sameBits((d) => T.cast(x[d], 'bf16'), 'cast f32 -> bf16');
    const b = on(values, [values.length], 'bf16');
    await sameBits((d) => b[d], 'upload / read');
    await sameBits((d) => T.cast(b[d], 'f32'), 'cast bf16 -> f32');
    await sameBits((d) => T.cast(b[d], 'f16'), 'cast bf16 -> f16');
    const finite = on(randomValues(r, 9, 100), [9], 'bf16');
    expect(Array.from(await T.cast(finite[1], 'i32').data())).toEqual(Array.from(await T.cast(finite[0], 'i32').data()));
  });

  it('fill, arange, elementwise, reductions and layout copies (transpose, slice, pad, concat)', async () => {
    const r = rng(8);
    await sameBits((d) => T.full([5], 1.0078125, 'bf16', { device: d ? 'webgpu' : 'cpu' }), 'fill');
    await sameBits((d) => T.arange(0.5, 9, 1.25, 'bf16', { device: d ? 'webgpu' : 'cpu' }), 'arange');
    const a = on(randomValues(r, 35), [5, 7], 'bf16');
    const b = on(randomValues(r, 7), [7], 'bf16');
    await sameBits((d) => T.mul(a[d], b[d]), 'mul broadcast');
    await sameBits((d) => T.exp(a[d]), 'exp');
    await sameBits((d) => T.transpose(a[d], [1, 0]), 'transpose');
    await sameBits((d) => T.slice(a[d], [1, 2], [3, 5]), 'slice');
    await sameBits((d) => T.pad(a[d], [[1, 0], [0, 1]], 2), 'pad');
    await sameBits((d) => T.concat([a[d], a[d]], 1), 'concat');
    const s = [T.sum(a[0], 1), T.sum(a[1], 1)];
    await expectClose(s[1], s[0], { atol: 0.02, rtol: 0.01 }, 'sum'); // one bf16 rounding of an f32 sum
  });

  it('embedding rows of a bf16 table (out-of-range ids read 0) and matmul with a bf16 weight', async () => {
    const r = rng(9);
    const table = on(randomValues(r, 11 * 6), [11, 6], 'bf16');
    const ids = on([3, 0, 10, 11, -1, 3], [2, 3], 'i32');
    await sameBits((d) => T.embedding(table[d], ids[d]), 'embedding');
    // every layout, vec4 (multiples of 4) and scalar reads (odd sizes) of the GEMM's bf16 codec
    for (const [M, K, N] of [[1, 8, 5], [7, 12, 9], [33, 16, 70], [5, 7, 3], [8, 20, 12]] as const) {
      for (const [transA, transB] of [[false, true], [false, false], [true, true], [true, false]] as const) {
        const x = on(randomValues(r, M * K), transA ? [K, M] : [M, K], 'f32');
        const w = on(randomValues(r, N * K), transB ? [N, K] : [K, N], 'bf16');
        const c = T.matmul(x[0], w[0], { transA, transB });
        const g = T.matmul(x[1], w[1], { transA, transB });
        expect(g.dtype).toBe('f32');
        await expectClose(g, c, { atol: 1e-4, rtol: 1e-4 }, `matmul bf16 ${M}x${K}x${N} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`);
      }
    }
  });

  it('matmul reads a bf16 weight in place: nothing is cast, no f32 copy is made', async () => {
    const backend = (await T.ensureBackend('webgpu')) as unknown as { runtime: { dispatch: (spec: { key: string }) => void } };
    const rt = backend.runtime;
    const keys: string[] = [];
    const dispatch = rt.dispatch.bind(rt);
    rt.dispatch = (spec) => (keys.push(spec.key), dispatch(spec));
    try {
      const x = T.tensor([1, -1, 2, 0.5], [1, 4], 'f32', { device: 'webgpu' });
      const w = T.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'bf16', { device: 'webgpu' });
      const y = T.matmul(x, w, { transB: true });
      expect(Array.from(await y.data())).toEqual([1 - 2 + 6 + 2, 5 - 6 + 14 + 4]);
    } finally {
      rt.dispatch = dispatch;
    }
    expect(keys.length).toBe(1);
    expect(keys[0]).toMatch(/bf16/);
  });
});
