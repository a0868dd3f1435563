/**
 * Every WebGPU kernel against the cpu oracle, directly through the Backend interface, on seeded random
 * inputs (size-1 dims, odd sizes, broadcasting, empty tensors).
 *
 * Tolerances: integer/bool results and data movement (layout, indexing, sort, random bits, casts) must be
 * exact. Float arithmetic: atol 1e-5, rtol 1e-5 for + - * min max and exact-ish ops; transcendental unary ops
 * atol 2e-6 + rtol 2e-6 (WGSL exp/log/sin/... are not correctly rounded); erf/gelu atol 2e-6 (erf is a
 * 1.5e-7 approximation); pow rtol 1e-5; reductions and matmul rtol 1e-4 (summation order differs).
 */
import { beforeAll, expect, it } from 'vitest';
import type { Backend, OutSpec, TensorRef } from '../src/backend.js';
import type { DType, TypedArray } from '../src/dtype.js';
import { f32ToBf16Bits, f32ToF16Bits } from '../src/dtype.js';
import type { PrimitiveName, PrimitiveParams, UnaryOp, BinaryOp, ReduceOp } from '../src/primitives.js';
import { broadcastShapes, sizeOf } from '../src/shape.js';
import { createCpuBackend } from '../src/cpu/backend.js';
import type { WebGPUBackend } from '../src/webgpu/backend.js';
import { getBackend } from '../src/engine.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { randomShape, rng } from '../../../tests/support/rng.js';

interface HostTensor {
  data: TypedArray;
  shape: number[];
  dtype: DType;
}

function make(r: () => number, shape: number[], dtype: DType, lo = -3, hi = 3): HostTensor {
  const n = sizeOf(shape);
  let data: TypedArray;
  switch (dtype) {
    case 'f32':
      data = Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
      break;
    case 'f16':
      data = Uint16Array.from({ length: n }, () => f32ToF16Bits(lo + (hi - lo) * r()));
      break;
    case 'bf16':
      data = Uint16Array.from({ length: n }, () => f32ToBf16Bits(lo + (hi - lo) * r()));
      break;
    case 'i32':
      data = Int32Array.from({ length: n }, () => Math.floor(r() * 11) - 5);
      break;
    case 'u32':
      data = Uint32Array.from({ length: n }, () => Math.floor(r() * 10));
      break;
    case 'bool':
      data = Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
      break;
  }
  return { data, shape, dtype };
}

function ref(b: Backend, t: HostTensor): TensorRef {
  return { storage: b.upload(t.data, t.dtype), shape: t.shape, dtype: t.dtype, size: sizeOf(t.shape) };
}

// Set inside the suite, once describeOnDevices has made (or skipped for want of) the webgpu device.
let gpu: WebGPUBackend | null = null;
const cpu = createCpuBackend();
/** One test: check() on one or more primitives. */
interface ParityCase {
  name: string;
  run: () => Promise<void>;
}

/** The primitives check() compared during the case that is running (see PARITY). */
let seen = new Set<PrimitiveName>();

interface Tol {
  atol?: number;
  rtol?: number;
}

/** Runs a primitive on both backends and compares every output. */
async function check<P extends PrimitiveName>(
  prim: P,
  inputs: HostTensor[],
  params: PrimitiveParams[P],
  outs: OutSpec[],
  tol: Tol = {},
  what = '',
): Promise<void> {
  if (!gpu) throw new Error('check() compares against the webgpu backend: the suite is skipped where there is none');
  seen.add(prim);
  const run = async (b: Backend) => {
    const refs = inputs.map((t) => ref(b, t));
    const kernel = (b.kernels as unknown as Record<string, (i: TensorRef[], p: unknown, o: OutSpec[]) => { bytes: number }[]>)[prim]!;
    const res = kernel(refs, params, outs);
    const data = await Promise.all(res.map((s, i) => b.read({ storage: s, shape: outs[i]!.shape, dtype: outs[i]!.dtype, size: sizeOf(outs[i]!.shape) })));
    for (const r of refs) b.free(r.storage);
    for (const s of res) b.free(s);
    return data;
  };
  const expected = await run(cpu);
  const actual = await run(gpu);
  const label = `${prim} ${JSON.stringify(params)} ${inputs.map((t) => `${t.dtype}[${t.shape}]`).join(' ')} ${what}`;
  for (let o = 0; o < outs.length; o++) {
    const e = expected[o]!;
    const a = actual[o]!;
    expect(a.length, label).toBe(e.length);
    expect(a.constructor.name, label).toBe(e.constructor.name);
    const exact = outs[o]!.dtype !== 'f32' && outs[o]!.dtype !== 'f16';
    const atol = tol.atol ?? 1e-5;
    const rtol = tol.rtol ?? 1e-5;
    for (let i = 0; i < e.length; i++) {
      const ev = e[i]!;
      const av = a[i]!;
      if (exact || tol.atol === 0) {
        if (!Object.is(av, ev) && !(av === ev)) expect(av, `${label} out ${o} [${i}]`).toBe(ev);
        continue;
      }
      if (Number.isNaN(ev)) {
        expect(Number.isNaN(av), `${label} out ${o} [${i}] want NaN got ${av}`).toBe(true);
        continue;
      }
      if (!Number.isFinite(ev)) {
        expect(av, `${label} out ${o} [${i}]`).toBe(ev);
        continue;
      }
      if (Math.abs(av - ev) > atol + rtol * Math.abs(ev)) expect(av, `${label} out ${o} [${i}]`).toBeCloseTo(ev, 12);
    }
  }
}

const FLOAT_UNARY: UnaryOp[] = ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'square', 'reciprocal', 'sign', 'floor', 'round', 'erf', 'silu', 'geluTanh', 'geluErf'];
const INT_UNARY: UnaryOp[] = ['neg', 'abs', 'relu', 'square', 'sign', 'floor', 'round'];

const unaryCase: ParityCase = {
  name: 'unary',
  run: async () => {
    const r = rng(1);
    for (const op of FLOAT_UNARY) {
      const shape = randomShape(r, Math.floor(r() * 4));
      const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
      const x = make(r, shape, 'f32', positive ? 0.01 : -6, 6);
      if (op === 'round' && x.data.length > 0) (x.data as Float32Array).set([0.5, 1.5, -2.5, 2.5].slice(0, x.data.length));
      const tol = ['exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'erf', 'silu', 'geluTanh', 'geluErf'].includes(op) ? { atol: 2e-6, rtol: 2e-6 } : {};
      await check('unary', [x], { op }, [{ shape, dtype: 'f32' }], tol);
    }
    // tanh / sigmoid / silu far out: no NaN, no overflow.
    const big: HostTensor = { data: Float32Array.from([-1000, -100, -89, -20, 20, 89, 100, 1000]), shape: [8], dtype: 'f32' };
    for (const op of ['tanh', 'sigmoid', 'silu', 'geluTanh', 'geluErf', 'erf'] as UnaryOp[]) {
      await check('unary', [big], { op }, [{ shape: [8], dtype: 'f32' }], { atol: 1e-6, rtol: 1e-6 });
    }
    for (const dtype of ['i32', 'u32'] as DType[]) {
      for (const op of INT_UNARY) {
        const shape = randomShape(r, 3);
        await check('unary', [make(r, shape, dtype)], { op }, [{ shape, dtype }]);
      }
    }
    for (const dtype of ['bool', 'f32', 'i32'] as DType[]) {
      const shape = randomShape(r, 2);
      await check('unary', [make(r, shape, dtype)], { op: 'logicalNot' }, [{ shape, dtype: 'bool' }]);
    }
    const bits: HostTensor = { data: Uint32Array.from({ length: 1000 }, () => Math.floor(r() * 4294967296)), shape: [10, 100], dtype: 'u32' };
    await check('unary', [bits], { op: 'bitsToUnit' }, [{ shape: [10, 100], dtype: 'f32' }], { atol: 0 });
  },
};

const binaryCase: ParityCase = {
  name: 'binary with broadcasting',
  run: async () => {
    const r = rng(2);
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'];
    for (const dtype of ['f32', 'i32', 'u32', 'bool'] as DType[]) {
      for (const op of ops) {
        if (dtype !== 'f32' && (op === 'div' || op === 'pow')) continue;
        if (dtype === 'bool' && !['eq', 'ne', 'logicalAnd', 'logicalOr', 'maximum', 'minimum'].includes(op)) continue;
        for (let trial = 0; trial < 2; trial++) {
          const rank = Math.floor(r() * 5);
          const out = randomShape(r, rank);
          const sa = out.map((d) => (r() < 0.3 ? 1 : d));
          const sb = out.map((d) => (r() < 0.3 ? 1 : d));
          const a = make(r, sa, dtype);
          const b = make(r, sb, dtype);
          if (op === 'pow') {
            // negative bases with integer exponents, and positive bases with any exponent
            (b.data as Float32Array).forEach((v, i, arr) => (arr[i] = r() < 0.5 ? Math.round(v) : v));
            (a.data as Float32Array).forEach((v, i, arr) => (arr[i] = Number.isInteger((b.data as Float32Array)[i % b.data.length]!) ? v : Math.abs(v)));
          }
          const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'].includes(op);
          const shape = broadcastShapes('t', sa, sb);
          await check('binary', [a, b], { op }, [{ shape, dtype: cmp ? 'bool' : dtype }], op === 'pow' ? { atol: 1e-5, rtol: 2e-5 } : {});
        }
      }
    }
    // large contiguous (2-D dispatch grid)
    const n = 65536 * 256 + 17;
    const a = make(r, [n], 'f32');
    const b = make(r, [1], 'f32');
    await check('binary', [a, b], { op: 'add' }, [{ shape: [n], dtype: 'f32' }]);
  },
};

const whereCase: ParityCase = {
  name: 'where',
  run: async () => {
    const r = rng(3);
    for (const dtype of ['f32', 'i32', 'bool'] as DType[]) {
      for (let t = 0; t < 3; t++) {
        const out = randomShape(r, 1 + Math.floor(r() * 3));
        const shp = () => out.map((d) => (r() < 0.3 ? 1 : d));
        await check('where', [make(r, shp(), 'bool'), make(r, shp(), dtype), make(r, shp(), dtype)], {}, [{ shape: out, dtype }]);
      }
    }
  },
};

const castCase: ParityCase = {
  name: 'cast, every pair including f16',
  run: async () => {
    const r = rng(4);
    const dtypes: DType[] = ['f32', 'i32', 'u32', 'f16', 'bool'];
    for (const from of dtypes) {
      for (const to of dtypes) {
        const shape = randomShape(r, 2, 9);
        const x = make(r, shape, from, -300, 300);
        await check('cast', [x], { dtype: to }, [{ shape, dtype: to }], { atol: 0 });
      }
    }
    const special: HostTensor = {
      data: Float32Array.from([0, -0, 1e-8, -1e-8, 6e-5, 65504, 65520, 1e6, -1e6, Infinity, -Infinity, 1 / 3, 2049, 3.14159, 5.960464477539063e-8]),
      shape: [15],
      dtype: 'f32',
    };
    await check('cast', [special], { dtype: 'f16' }, [{ shape: [15], dtype: 'f16' }], { atol: 0 });
  },
};

const reduceCase: ParityCase = {
  name: 'reduce over arbitrary axes',
  run: async () => {
    const r = rng(5);
    const ops: ReduceOp[] = ['sum', 'max', 'min', 'prod'];
    const cases: { shape: number[]; axes: number[] }[] = [
      { shape: [], axes: [] },
      { shape: [7], axes: [0] },
      { shape: [3, 5], axes: [1] },
      { shape: [3, 5], axes: [0] },
      { shape: [4, 1, 6], axes: [0, 2] },
      { shape: [2, 3, 4, 5], axes: [1, 3] },
      { shape: [5000], axes: [0] },
      { shape: [3, 3000], axes: [1] },
      { shape: [700, 3], axes: [0] },
      { shape: [2, 70, 3, 11], axes: [1, 3] },
      { shape: [4000, 5], axes: [1] },
      { shape: [3, 0, 2], axes: [1] },
    ];
    for (const dtype of ['f32', 'i32', 'u32'] as DType[]) {
      for (const op of ops) {
        for (const c of cases) {
          if (op === 'prod' && sizeOf(c.shape) > 64) continue;
          // max/min over an empty axis is -inf/+inf: not representable in integer dtypes (undefined there)
          if (sizeOf(c.shape) === 0 && dtype !== 'f32' && (op === 'max' || op === 'min')) continue;
          const x = make(r, c.shape, dtype, op === 'prod' ? 0.5 : -3, op === 'prod' ? 1.5 : 3);
          const shape = c.shape.map((d, i) => (c.axes.includes(i) ? 1 : d));
          await check('reduce', [x], { op, axes: c.axes }, [{ shape, dtype }], { atol: 1e-4, rtol: 1e-4 });
        }
      }
    }
    // bool sum -> i32 (as the frontend counts), max/min of bool (any/all)
    const b = make(r, [6, 9], 'bool');
    await check('reduce', [b], { op: 'max', axes: [1] }, [{ shape: [6, 1], dtype: 'bool' }]);
    await check('reduce', [b], { op: 'min', axes: [0] }, [{ shape: [1, 9], dtype: 'bool' }]);
  },
};

const argReduceCase: ParityCase = {
  name: 'argReduce',
  run: async () => {
    const r = rng(6);
    for (const dtype of ['f32', 'i32'] as DType[]) {
      for (const op of ['argmax', 'argmin'] as const) {
        for (const [shape, axis] of [
          [[9], 0],
          [[4, 7], 1],
          [[4, 7], 0],
          [[2, 3, 5], 1],
          [[3, 2000], 1],
          [[1500, 3], 0],
          [[3000, 2], 1],
        ] as [number[], number][]) {
          const x = make(r, shape, dtype); // i32 in [-5, 5]: many ties
          await check('argReduce', [x], { op, axis }, [{ shape: shape.map((d, i) => (i === axis ? 1 : d)), dtype: 'i32' }]);
        }
      }
    }
  },
};

const matmulCase: ParityCase = {
  name: 'matmul (batched, broadcast, transposed, f16 weight)',
  run: async () => {
    const r = rng(7);
    const cases: { a: number[]; b: number[]; tA?: boolean; tB?: boolean }[] = [
      { a: [1, 1], b: [1, 1] },
      { a: [3, 5], b: [5, 7] },
      { a: [65, 33], b: [33, 70] },
      { a: [2, 17, 9], b: [2, 9, 13] },
      { a: [2, 1, 5, 6], b: [1, 3, 6, 4] },
      { a: [5, 3], b: [5, 4], tA: true },
      { a: [3, 5], b: [4, 5], tB: true },
      { a: [2, 7, 6], b: [1, 9, 7], tA: true, tB: true },
      { a: [4, 0], b: [0, 3] },
      { a: [128, 100], b: [100, 96] },
      { a: [3, 9, 7], b: [1, 9, 12], tA: true },
      { a: [1, 13], b: [13, 20] },
      { a: [33, 5], b: [5, 4] },
      // x · Wᵀ with K % 4 == 0 (the vec4 dot-product kernel): matrix-vector, odd M and N, broadcast batch
      { a: [1, 8], b: [6, 8], tB: true },
      { a: [3, 12], b: [17, 12], tB: true },
      { a: [2, 13, 20], b: [1, 9, 20], tB: true },
      { a: [70, 64], b: [33, 64], tB: true },
      // every layout with vec4 and scalar reads (gemm.ts): transposed a read along M, K tails, M < 4, batches
      { a: [2, 12, 8], b: [2, 12, 20], tA: true },
      { a: [7, 8], b: [7, 12], tA: true },
      { a: [6, 2], b: [6, 5], tA: true },
      { a: [9, 12], b: [16, 9], tA: true, tB: true },
      { a: [3, 64, 36], b: [1, 36, 40] },
      { a: [5, 16], b: [16, 4] },
      { a: [2, 3, 9, 8], b: [1, 3, 9, 4], tA: true },
    ];
    for (const c of cases) {
      const tA = c.tA ?? false;
      const tB = c.tB ?? false;
      const rank = c.a.length;
      const M = tA ? c.a[rank - 1]! : c.a[rank - 2]!;
      const N = tB ? c.b[rank - 2]! : c.b[rank - 1]!;
      const batch = broadcastShapes('t', c.a.slice(0, -2), c.b.slice(0, -2));
      for (const bd of ['f32', 'f16'] as DType[]) {
        await check('matmul', [make(r, c.a, 'f32'), make(r, c.b, bd)], { transA: tA, transB: tB }, [{ shape: [...batch, M, N], dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 });
        // + an addend of the result's shape (a few layouts): in the GEMM's store (f32 b), or an add after it (f16 b)
        if (cases.indexOf(c) % 4 !== 0) continue;
        const addend = make(r, [...batch, M, N], 'f32');
        await check('matmul', [make(r, c.a, 'f32'), make(r, c.b, bd), addend], { transA: tA, transB: tB, hasAddend: true }, [{ shape: [...batch, M, N], dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 }, `${bd} + addend`);
      }
    }
  },
};

const matmulManyCase: ParityCase = {
  name: 'matmulMany (shared left, shared right, sums; every layout; bands not multiples of 4 run as single products)',
  run: async () => {
    const r = rng(17);
    const dims = (m: number, k: number, tA: boolean) => (tA ? [k, m] : [m, k]);
    const rdims = (k: number, n: number, tB: boolean) => (tB ? [n, k] : [k, n]);
    // one shape per layout (each distinct call compiles a pipeline): [transA, transB, M, K, band sizes]. Model-like
    // bands (q/k/v at 64 rows), odd extents, and bands that cut an invocation's columns or rows (run as single
    // products: sharedA with 7, sharedB with 12 or 7 at R = 8)
    const cases: [boolean, boolean, number, number, number[]][] = [
      [false, false, 64, 32, [32, 32, 32]],
      [true, false, 13, 9, [8, 12, 5]],
      [false, true, 24, 20, [16, 7, 9]],
      [true, true, 40, 12, [24, 16, 3]],
    ];
    for (const [tA, tB, M, K, bands] of cases) {
      const n = bands.length;
      const label = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} M${M} K${K} [${bands.join(', ')}]`;
      // y_i = op(a)·op(b_i), bands along N
      const a = make(r, dims(M, K, tA), 'f32');
      const bs = bands.map((N) => make(r, rdims(K, N, tB), 'f32'));
      await check('matmulMany', [a, ...bs], { group: 'sharedA', count: n, transA: tA, transB: tB }, bands.map((N) => ({ shape: [M, N], dtype: 'f32' })), { atol: 1e-4, rtol: 1e-4 }, `sharedA ${label}`);
      // y_i = op(a_i)·op(b), bands along M (N = K here)
      const as = bands.map((Mi) => make(r, dims(Mi, K, tA), 'f32'));
      const b = make(r, rdims(K, M, tB), 'f32');
      await check('matmulMany', [...as, b], { group: 'sharedB', count: n, transA: tA, transB: tB }, bands.map((Mi) => ({ shape: [Mi, M], dtype: 'f32' })), { atol: 1e-4, rtol: 1e-4 }, `sharedB ${label}`);
      // Σ op(a_i)·op(b_i) (+ c), bands along K
      const sa = bands.map((Ki) => make(r, dims(M, Ki, tA), 'f32'));
      const sb = bands.map((Ki) => make(r, rdims(Ki, K, tB), 'f32'));
      await check('matmulMany', [...sa, ...sb], { group: 'sum', count: n, transA: tA, transB: tB }, [{ shape: [M, K], dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 }, `sum ${label}`);
      if (tA || tB) continue;
      await check('matmulMany', [...sa, ...sb, make(r, [M, K], 'f32')], { group: 'sum', count: n, transA: tA, transB: tB, hasAddend: true }, [{ shape: [M, K], dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 }, `sum + addend ${label}`);
    }
  },
};

const layoutCase: ParityCase = {
  name: 'layout: transpose, slice, broadcastTo, pad, concat',
  run: async () => {
    const r = rng(8);
    // transposes that keep a last axis of a multiple of 4 in place (vec4 rows: attention head split / merge)
    for (const [shape, perm, dtype] of [[[2, 3, 5, 8], [0, 2, 1, 3], 'f32'], [[2, 6, 4], [1, 0, 2], 'i32'], [[3, 4], [0, 1], 'bool'], [[2, 1, 3, 2, 12], [3, 2, 0, 1, 4], 'f32']] as [number[], number[], DType][]) {
      await check('transpose', [make(r, shape, dtype)], { perm }, [{ shape: perm.map((p) => shape[p]!), dtype }]);
    }
    for (const dtype of ['f32', 'i32', 'bool', 'f16'] as DType[]) {
      for (let t = 0; t < 3; t++) {
        const rank = 1 + Math.floor(r() * 4);
        const shape = randomShape(r, rank);
        const x = make(r, shape, dtype);
        const perm = Array.from({ length: rank }, (_, i) => i).sort(() => r() - 0.5);
        await check('transpose', [x], { perm }, [{ shape: perm.map((p) => shape[p]!), dtype }]);
        const begin = shape.map((d) => Math.floor(r() * d));
        const size = shape.map((d, i) => Math.floor(r() * (d - begin[i]!)) + 1);
        await check('slice', [x], { begin, size }, [{ shape: size, dtype }]);
        const bshape = shape.map(() => 1 + Math.floor(r() * 3));
        const xb = make(r, bshape.map((d) => (r() < 0.5 ? 1 : d)), dtype);
        await check('broadcastTo', [xb], { shape: bshape }, [{ shape: bshape, dtype }]);
        const before = shape.map(() => Math.floor(r() * 3));
        const after = shape.map(() => Math.floor(r() * 3));
        await check('pad', [x], { before, after, value: dtype === 'bool' ? 1 : 1.5 }, [{ shape: shape.map((d, i) => d + before[i]! + after[i]!), dtype }]);
        const axis = Math.floor(r() * rank);
        const parts = [0, 1, 2].map(() => make(r, shape.map((d, i) => (i === axis ? Math.floor(r() * 4) : d)), dtype));
        const outShape = shape.map((d, i) => (i === axis ? parts.reduce((s, p) => s + p.shape[axis]!, 0) : d));
        await check('concat', parts, { axis }, [{ shape: outShape, dtype }]);
      }
    }
  },
};

const indexingCase: ParityCase = {
  name: 'indexing: gather, takeAlongAxis, putAlongAxis',
  run: async () => {
    const r = rng(9);
    for (const dtype of ['f32', 'i32', 'f16'] as DType[]) {
      for (let t = 0; t < 4; t++) {
        const rank = 1 + Math.floor(r() * 3);
        const shape = randomShape(r, rank);
        const axis = Math.floor(r() * rank);
        const x = make(r, shape, dtype);
        const A = shape[axis]!;
        const idxShape = randomShape(r, Math.floor(r() * 3));
        const idx: HostTensor = { data: Int32Array.from({ length: sizeOf(idxShape) }, () => Math.floor(r() * (A + 2)) - 1), shape: idxShape, dtype: 'i32' };
        const gshape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        await check('gather', [x, idx], { axis }, [{ shape: gshape, dtype }]);
        const tshape = shape.map((d, i) => (i === axis ? 1 + Math.floor(r() * 4) : d));
        const tidx: HostTensor = { data: Int32Array.from({ length: sizeOf(tshape) }, () => Math.floor(r() * (A + 1))), shape: tshape, dtype: 'i32' };
        await check('takeAlongAxis', [x, tidx], { axis }, [{ shape: tshape, dtype }]);
        // 'set' with distinct indices along the axis (a permutation prefix), 'add' with duplicates
        const n = Math.min(A, tshape[axis]!);
        const pshape = shape.map((d, i) => (i === axis ? n : d));
        const outer = sizeOf(shape.slice(0, axis));
        const inner = sizeOf(shape.slice(axis + 1));
        const pidx = new Int32Array(sizeOf(pshape));
        for (let o = 0; o < outer; o++)
          for (let q = 0; q < inner; q++) {
            const perm = Array.from({ length: A }, (_, i) => i).sort(() => r() - 0.5);
            for (let j = 0; j < n; j++) pidx[(o * n + j) * inner + q] = perm[j]!;
          }
        const vals = make(r, pshape, dtype);
        await check('putAlongAxis', [x, { data: pidx, shape: pshape, dtype: 'i32' }, vals], { axis, mode: 'set' }, [{ shape, dtype }]);
        if (dtype !== 'f16') {
          await check('putAlongAxis', [x, tidx, make(r, tshape, dtype)], { axis, mode: 'add' }, [{ shape, dtype }], { atol: 1e-5, rtol: 1e-5 });
        }
      }
    }
  },
};

const sortCase: ParityCase = {
  name: 'sort and topk (stable, ties by index, long rows)',
  run: async () => {
    const r = rng(10);
    for (const dtype of ['f32', 'i32'] as DType[]) {
      for (const shape of [[1], [7], [3, 5], [2, 3, 33], [2, 1000], [2, 3000]]) {
        const x = make(r, shape, dtype);
        for (const descending of [false, true]) {
          await check('sort', [x], { descending }, [{ shape, dtype }, { shape, dtype: 'i32' }]);
        }
        const L = shape[shape.length - 1]!;
        for (const k of [1, Math.min(L, 3), L]) {
          const oshape = [...shape.slice(0, -1), k];
          await check('topk', [x], { k }, [{ shape: oshape, dtype }, { shape: oshape, dtype: 'i32' }]);
        }
      }
    }
  },
};

const creationCase: ParityCase = {
  name: 'randomBits, fill, arange',
  run: async () => {
    for (const key of [[0, 0], [42, 7], [0xffffffff, 0x12345678]] as [number, number][]) {
      await check('randomBits', [], { key }, [{ shape: [3, 1001], dtype: 'u32' }]);
    }
    for (const dtype of ['f32', 'i32', 'u32', 'f16', 'bool'] as DType[]) {
      await check('fill', [], { value: 3 }, [{ shape: [5, 3], dtype }], { atol: 0 });
      await check('fill', [], { value: 0 }, [{ shape: [7], dtype }], { atol: 0 });
      await check('arange', [], { start: 2, step: 3 }, [{ shape: [13], dtype }], { atol: 0 });
    }
    await check('arange', [], { start: 0.5, step: 0.25 }, [{ shape: [1001], dtype: 'f32' }]);
    await check('fill', [], { value: -2.5 }, [{ shape: [4, 5], dtype: 'f32' }], { atol: 0 });
  },
};

const rowsCase: ParityCase = {
  name: 'nn: softmax, logSoftmax, rmsNorm, layerNorm, groupNorm',
  run: async () => {
    const r = rng(12);
    for (const shape of [[1], [7], [3, 5], [2, 3, 130], [4, 1000]]) {
      const x = make(r, shape, 'f32', -8, 8);
      await check('softmax', [x], {}, [{ shape, dtype: 'f32' }], { atol: 1e-6, rtol: 1e-5 });
      await check('logSoftmax', [x], {}, [{ shape, dtype: 'f32' }], { atol: 1e-5, rtol: 1e-5 });
      const D = shape[shape.length - 1]!;
      const w = make(r, [D], 'f32');
      const b = make(r, [D], 'f32');
      await check('rmsNorm', [x], { eps: 1e-6, hasWeight: false }, [{ shape, dtype: 'f32' }], { atol: 1e-5, rtol: 1e-4 });
      await check('rmsNorm', [x, w], { eps: 1e-5, hasWeight: true }, [{ shape, dtype: 'f32' }], { atol: 1e-5, rtol: 1e-4 });
      await check('layerNorm', [x, w, b], { eps: 1e-5, hasWeight: true, hasBias: true }, [{ shape, dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 });
      await check('layerNorm', [x, b], { eps: 1e-5, hasWeight: false, hasBias: true }, [{ shape, dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 });
    }
    const ninf: HostTensor = { data: Float32Array.from([-Infinity, -Infinity, 1, 2]), shape: [2, 2], dtype: 'f32' };
    await check('softmax', [ninf], {}, [{ shape: [2, 2], dtype: 'f32' }]);
    for (const [shape, groups] of [[[2, 6, 3, 5], 3], [[1, 4, 7], 2], [[3, 2], 1]] as [number[], number][]) {
      const x = make(r, shape, 'f32');
      const C = shape[1]!;
      await check('groupNorm', [x, make(r, [C], 'f32'), make(r, [C], 'f32')], { groups, eps: 1e-5, hasWeight: true, hasBias: true }, [{ shape, dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 });
      await check('groupNorm', [x], { groups, eps: 1e-5, hasWeight: false, hasBias: false }, [{ shape, dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 });
    }
    // groupNorm's paths: blocks of ≤ 256 elements one invocation each, longer ones a workgroup each; spatial sizes
    // that are and are not multiples of 4; one channel per group; 1×1 spatial; inputs far from zero (the shift)
    const groupCases: [number[], number, number][] = [
      [[2, 4, 16, 16], 2, 0], [[1, 4, 9, 33], 2, 0], [[2, 6, 7, 11], 3, 0], [[3, 8, 2, 2], 8, 0], [[2, 4, 1, 1], 2, 0], [[1, 4, 16, 20], 4, 50],
    ];
    for (const [shape, groups, offset] of groupCases) {
      const x = make(r, shape, 'f32', offset - 3, offset + 3);
      const C = shape[1]!;
      const out = [{ shape, dtype: 'f32' as DType }];
      await check('groupNorm', [x, make(r, [C], 'f32'), make(r, [C], 'f32')], { groups, eps: 1e-5, hasWeight: true, hasBias: true }, out, { atol: 1e-4, rtol: 1e-4 }, shape.join('x'));
      await check('groupNorm', [x, make(r, [C], 'f32')], { groups, eps: 1e-6, hasWeight: true, hasBias: false }, out, { atol: 1e-4, rtol: 1e-4 }, `${shape.join('x')} weight only`);
      await check('groupNorm', [x, make(r, [C], 'f32')], { groups, eps: 1e-6, hasWeight: false, hasBias: true }, out, { atol: 1e-4, rtol: 1e-4 }, `${shape.join('x')} bias only`);
      await check('groupNorm', [x, make(r, [C], 'f32'), make(r, [C], 'f32')], { groups, eps: 1e-5, hasWeight: true, hasBias: true, silu: true }, out, { atol: 1e-4, rtol: 1e-4 }, `${shape.join('x')} silu`);
    }
  },
};

const ropeLossConvCase: ParityCase = {
  name: 'nn: rope, crossEntropy, conv2d',
  run: async () => {
    const r = rng(13);
    for (const [B, H, T, D, perBatch] of [[1, 1, 3, 2, false], [2, 3, 5, 8, false], [2, 2, 4, 16, true]] as [number, number, number, number, boolean][]) {
      const x = make(r, [B, H, T, D], 'f32');
      const pshape = perBatch ? [B, T] : [T];
      const pos: HostTensor = { data: Int32Array.from({ length: sizeOf(pshape) }, () => Math.floor(r() * 300)), shape: pshape, dtype: 'i32' };
      // sin/cos of angles up to ~300 rad in f32: allow a few ulp of the angle
      // every layout (a head split or merge in the same pass) and the inverse rotation (the backward)
      for (const [layout, inverse] of [['same', false], ['same', true], ['splitHeads', false], ['mergeHeads', true]] as const) {
        const xin = layout === 'splitHeads' ? make(r, [B, T, H, D], 'f32') : x;
        const shape = layout === 'mergeHeads' ? [B, T, H, D] : [B, H, T, D];
        await check('rope', [xin, pos], { theta: 10000, inverse, layout }, [{ shape, dtype: 'f32' }], { atol: 2e-4, rtol: 1e-4 }, `${layout}${inverse ? ' inverse' : ''}`);
      }
      // queries and keys in one dispatch
      const [qin, kin] = [make(r, [B, T, H, D], 'f32'), make(r, [B, T, H, D], 'f32')];
      const out = { shape: [B, H, T, D], dtype: 'f32' as DType };
      await check('rope', [qin, kin, pos], { theta: 10000, inverse: false, layout: 'splitHeads', count: 2 }, [out, out], { atol: 2e-4, rtol: 1e-4 }, 'two tensors');
    }
    for (const [R, V] of [[1, 1], [5, 7], [3, 2000]]) {
      const logits = make(r, [R, V], 'f32', -5, 5);
      const tg: HostTensor = { data: Int32Array.from({ length: R }, (_, i) => (i === 1 ? -100 : i === 2 ? V + 3 : Math.floor(r() * V))), shape: [R], dtype: 'i32' };
      await check('crossEntropy', [logits, tg], { ignoreIndex: -100 }, [{ shape: [R], dtype: 'f32' }], { atol: 1e-5, rtol: 1e-5 });
    }
    const convs: { x: number[]; w: number[]; stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number]; bias: boolean }[] = [
      { x: [1, 1, 5, 5], w: [1, 1, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], bias: false },
      { x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 1], bias: true },
      { x: [1, 5, 4, 4], w: [3, 5, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], bias: true },
      { x: [1, 2, 9, 9], w: [2, 2, 3, 3], stride: [1, 2], padding: [2, 2, 2, 2], dilation: [2, 2], bias: false },
      // 1×1 as a matmul per image: several images, channels and H·W multiples of 4 or not
      { x: [3, 8, 4, 6], w: [5, 8, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], bias: true },
      { x: [2, 3, 3, 3], w: [4, 3, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], bias: false },
      // channels a multiple of 4 with a 3×3 kernel (the weight read as vec4s) and several images
      { x: [2, 4, 6, 5], w: [9, 4, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], bias: true },
      // output images of a multiple of 4 pixels (whole-vec4 stores), with and without a bias, and strided
      { x: [2, 3, 8, 8], w: [4, 3, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], bias: true },
      { x: [2, 4, 8, 8], w: [5, 4, 3, 3], stride: [2, 2], padding: [0, 1, 0, 1], dilation: [1, 1], bias: false },
      // by rows (conv-rows.ts: 3 wide, stride 1, output rows of a multiple of 8, at least 16 blocks of 8): a 5-tall
      // kernel dilated down with uneven padding and output channels not a multiple of 8; a left padding of 3 (more
      // than the kernel reaches); a single output channel
      { x: [2, 5, 40, 16], w: [10, 5, 5, 3], stride: [1, 1], padding: [3, 1, 0, 2], dilation: [2, 1], bias: false },
      { x: [1, 2, 66, 4], w: [3, 2, 3, 3], stride: [1, 1], padding: [0, 0, 3, 3], dilation: [1, 1], bias: true },
      { x: [1, 4, 64, 8], w: [1, 4, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], bias: true },
      // 20 output channels: a block of 16 rows (where lanes share the weights) and a part-filled one
      { x: [1, 3, 8, 64], w: [20, 3, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], bias: true },
    ];
    for (const c of convs) {
      const [N, , H, W] = c.x as [number, number, number, number];
      const [O, , kh, kw] = c.w as [number, number, number, number];
      const Ho = Math.floor((H + c.padding[0] + c.padding[1] - c.dilation[0] * (kh - 1) - 1) / c.stride[0]) + 1;
      const Wo = Math.floor((W + c.padding[2] + c.padding[3] - c.dilation[1] * (kw - 1) - 1) / c.stride[1]) + 1;
      const inputs = [make(r, c.x, 'f32'), make(r, c.w, 'f32'), ...(c.bias ? [make(r, [O], 'f32')] : [])];
      await check('conv2d', inputs, { stride: c.stride, padding: c.padding, dilation: c.dilation, hasBias: c.bias }, [{ shape: [N, O, Ho, Wo], dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 });
    }
  },
};

const swigluCase: ParityCase = {
  name: 'nn: swiglu and swigluBackward (sizes not multiples of 4, large |gate|)',
  run: async () => {
    const r = rng(29);
    for (const shape of [[1], [3, 7], [2, 64, 384]]) {
      const [g, u, d] = [make(r, shape, 'f32', -12, 12), make(r, shape, 'f32'), make(r, shape, 'f32')];
      const out = { shape, dtype: 'f32' as DType };
      await check('swiglu', [g, u], {}, [out], { atol: 1e-6, rtol: 1e-5 }, shape.join('x'));
      await check('swigluBackward', [g, u, d], {}, [out, out], { atol: 1e-6, rtol: 1e-5 }, shape.join('x'));
    }
  },
};

const activationBackwardCase: ParityCase = {
  name: 'nn: activationBackward (silu, geluErf, geluTanh; sizes not multiples of the workgroup, large |x|)',
  run: async () => {
    const r = rng(37);
    for (const shape of [[1], [3, 7], [2, 16, 33]]) {
      const [x, d] = [make(r, shape, 'f32', -12, 12), make(r, shape, 'f32')];
      for (const op of ['silu', 'geluErf', 'geluTanh'] as const) {
        await check('activationBackward', [x, d], { op }, [{ shape, dtype: 'f32' }], { atol: 1e-6, rtol: 1e-5 }, `${op} ${shape.join('x')}`);
      }
    }
  },
};

const convBackwardCase: ParityCase = {
  name: 'nn: conv2dBackwardInput, conv2dBackwardWeight (strides, dilations, split K over images)',
  run: async () => {
    const r = rng(23);
    type Geometry = { x: number[]; w: number[]; stride: [number, number]; padding: [number, number, number, number]; dilation: [number, number] };
    const cases: Geometry[] = [
      { x: [1, 1, 5, 5], w: [1, 1, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1] },
      // the tokenizer's downsample (stride 2, padding [0, 1, 0, 1]) and its 3×3 same convolution, several images
      { x: [3, 4, 8, 8], w: [8, 4, 3, 3], stride: [2, 2], padding: [0, 1, 0, 1], dilation: [1, 1] },
      { x: [4, 4, 16, 16], w: [4, 4, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1] },
      // channels and sizes not multiples of 4 (scalar reads), stride 3 and unequal strides
      { x: [2, 3, 7, 6], w: [5, 3, 3, 3], stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 1] },
      { x: [1, 2, 10, 9], w: [3, 2, 2, 3], stride: [3, 3], padding: [0, 0, 1, 1], dilation: [1, 1] },
      // stride 2 with dilation 2: odd input rows and columns get no gradient; a kernel taller than the stride
      { x: [2, 2, 9, 9], w: [2, 2, 3, 3], stride: [2, 2], padding: [2, 2, 2, 2], dilation: [2, 2] },
      { x: [1, 3, 6, 7], w: [2, 3, 5, 4], stride: [2, 3], padding: [2, 1, 0, 2], dilation: [1, 1] },
      // by rows (conv-rows.ts: 3 wide, stride 1 or 2 across, rows of a multiple of 8 and gradient rows of a
      // multiple of 4): 10 channels (not a multiple of its 8 or 16 rows) with an odd left padding; a 5-tall kernel
      // dilated down with a vertical stride of 3; stride 1 with 3 channels (an RGB input layer) and uneven padding;
      // 20 channels (a block of 16 rows where lanes share weights, and a part-filled one)
      { x: [2, 10, 32, 16], w: [3, 10, 3, 3], stride: [2, 2], padding: [1, 0, 1, 0], dilation: [1, 1] },
      { x: [2, 3, 48, 8], w: [5, 3, 5, 3], stride: [3, 2], padding: [2, 1, 0, 2], dilation: [2, 1] },
      { x: [2, 3, 16, 8], w: [6, 3, 3, 3], stride: [1, 1], padding: [0, 2, 2, 0], dilation: [1, 1] },
      { x: [2, 20, 16, 16], w: [4, 20, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1] },
      // odd H (phase classes of unequal height) and a stride of 4 across
      { x: [2, 3, 7, 8], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1, 1, 1], dilation: [1, 1] },
      { x: [1, 2, 6, 8], w: [2, 2, 5, 5], stride: [3, 4], padding: [2, 1, 2, 2], dilation: [1, 1] },
      // 1×1 and a 2×2 input with many images (K split into several groups)
      { x: [3, 8, 4, 6], w: [5, 8, 1, 1], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1] },
      { x: [32, 8, 2, 2], w: [8, 8, 3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1] },
    ];
    for (const c of cases) {
      const [N, , H, W] = c.x as [number, number, number, number];
      const [O, , kh, kw] = c.w as [number, number, number, number];
      const Ho = Math.floor((H + c.padding[0] + c.padding[1] - c.dilation[0] * (kh - 1) - 1) / c.stride[0]) + 1;
      const Wo = Math.floor((W + c.padding[2] + c.padding[3] - c.dilation[1] * (kw - 1) - 1) / c.stride[1]) + 1;
      const g = make(r, [N, O, Ho, Wo], 'f32');
      const params = { stride: c.stride, padding: c.padding, dilation: c.dilation };
      const tag = JSON.stringify(c);
      await check('conv2dBackwardInput', [g, make(r, c.w, 'f32')], params, [{ shape: c.x, dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 }, tag);
      await check('conv2dBackwardWeight', [make(r, c.x, 'f32'), g], params, [{ shape: c.w, dtype: 'f32' }], { atol: 1e-4, rtol: 1e-4 }, tag);
    }
  },
};

const attentionCase: ParityCase = {
  name: 'nn: attention (mask with all-pad rows, bias)',
  run: async () => {
    const r = rng(14);
    for (const [B, H, T, D, Dv] of [[1, 1, 1, 4, 4], [2, 3, 5, 8, 6], [1, 2, 70, 16, 16]]) {
      const q = make(r, [B, H, T, D], 'f32');
      const k = make(r, [B, H, T, D], 'f32');
      const v = make(r, [B, H, T, Dv], 'f32');
      const scale = 1 / Math.sqrt(D);
      const out = [{ shape: [B, H, T, Dv], dtype: 'f32' as DType }];
      const tol = { atol: 1e-5, rtol: 1e-4 };
      await check('attention', [q, k, v], { scale, hasMask: false, hasBias: false, tokenMajorValues: false }, out, tol);
      const mask = make(r, [B, T], 'bool');
      if (B > 1) (mask.data as Uint8Array).fill(0, T, 2 * T); // batch 1 is all padding
      await check('attention', [q, k, v, mask], { scale, hasMask: true, hasBias: false, tokenMajorValues: false }, out, tol);
      // v [B, T, H, Dv] in, out [B, T, H, Dv]: no head split or merge copies
      const vt = make(r, [B, T, H, Dv], 'f32');
      await check('attention', [q, k, vt, mask], { scale, hasMask: true, hasBias: false, tokenMajorValues: true }, [{ shape: [B, T, H, Dv], dtype: 'f32' }], tol, 'token-major');
      const bias = make(r, [1, H, T, T], 'f32');
      await check('attention', [q, k, v, mask, bias], { scale, hasMask: true, hasBias: true, tokenMajorValues: false }, out, tol);
    }
  },
};

const attentionBackwardCase: ParityCase = {
  name: 'nn: attentionBackward (mask with an all-pad sequence, bias, dscores; dq with and without its own statistics pass)',
  run: async () => {
    const r = rng(15);
    // T = 70: several key tiles and two query rows per invocation; without a bias dq takes the statistics itself
    for (const [B, H, T, D, Dv] of [[1, 1, 3, 4, 4], [2, 2, 9, 8, 6], [2, 1, 70, 8, 8]]) {
    const [q, k] = [make(r, [B, H, T, D], 'f32'), make(r, [B, H, T, D], 'f32')];
    const [v, out, gradOut] = [make(r, [B, H, T, Dv], 'f32'), make(r, [B, H, T, Dv], 'f32'), make(r, [B, H, T, Dv], 'f32')];
    const grads = [{ shape: [B, H, T, D], dtype: 'f32' as DType }, { shape: [B, H, T, D], dtype: 'f32' as DType }, { shape: [B, H, T, Dv], dtype: 'f32' as DType }];
    const tol = { atol: 1e-5, rtol: 1e-4 };
    const scale = 1 / Math.sqrt(D);
    await check('attentionBackward', [q, k, v, out, gradOut], { scale, hasMask: false, hasBias: false, tokenMajorValues: false }, grads, tol);
    const mask = make(r, [B, T], 'bool');
    if (B > 1) (mask.data as Uint8Array).fill(0, T, 2 * T);
    const bias = make(r, [1, H, T, T], 'f32');
    const withScores = [...grads, { shape: [B, H, T, T], dtype: 'f32' as DType }];
    await check('attentionBackward', [q, k, v, mask, bias, out, gradOut], { scale, hasMask: true, hasBias: true, tokenMajorValues: false }, withScores, tol);
    // v, out, gradOut and dv [B, T, H, Dv]
    const [vt, outT, gradT] = [make(r, [B, T, H, Dv], 'f32'), make(r, [B, T, H, Dv], 'f32'), make(r, [B, T, H, Dv], 'f32')];
    const gradsT = [grads[0]!, grads[1]!, { shape: [B, T, H, Dv], dtype: 'f32' as DType }];
    await check('attentionBackward', [q, k, vt, mask, outT, gradT], { scale, hasMask: true, hasBias: false, tokenMajorValues: true }, gradsT, tol, 'token-major');
    }
  },
};

const crossEntropyBackwardCase: ParityCase = {
  name: 'nn: crossEntropyBackward (ignored and out-of-range targets, long rows)',
  run: async () => {
    const r = rng(16);
    for (const [R, V, targets] of [[4, 7, [3, -100, 0, 9]], [3, 1000, [999, 17, -100]]] as [number, number, number[]][]) {
    const tg: HostTensor = { data: Int32Array.from(targets), shape: [R], dtype: 'i32' };
    await check('crossEntropyBackward', [make(r, [R, V], 'f32'), tg, make(r, [R], 'f32')], { ignoreIndex: -100 }, [{ shape: [R, V], dtype: 'f32' }], { atol: 1e-6, rtol: 1e-4 });
    }
  },
};

const normBackwardCase: ParityCase = {
  name: 'nn: rmsNormBackward (with and without a weight, long rows)',
  run: async () => {
    const r = rng(18);
    for (const [shape, hasWeight] of [[[3, 5], true], [[2, 3, 130], true], [[4, 7], false], [[0, 4], true]] as [number[], boolean][]) {
      const D = shape[shape.length - 1]!;
      const x = make(r, shape, 'f32');
      const g = make(r, shape, 'f32');
      const outs = (hasWeight ? [0, 1] : [0]).map(() => ({ shape, dtype: 'f32' as DType }));
      const ins = hasWeight ? [x, make(r, [D], 'f32'), g] : [x, g];
      await check('rmsNormBackward', ins, { eps: 1e-5, hasWeight, hasAddend: false }, outs, { atol: 1e-5, rtol: 1e-4 }, shape.join('x'));
      // an addend (a residual's gradient) accumulated into dx
      await check('rmsNormBackward', [...ins, make(r, shape, 'f32')], { eps: 1e-5, hasWeight, hasAddend: true }, outs, { atol: 1e-5, rtol: 1e-4 }, `${shape.join('x')} + addend`);
    }
  },
};

const groupNormBackwardCase: ParityCase = {
  name: 'nn: groupNormBackward (weight and bias or neither, channels per group 1 to 4, long blocks)',
  run: async () => {
    const r = rng(31);
    const cases: [number[], number, boolean, boolean][] = [
      [[2, 4, 3, 3], 2, true, true],
      [[3, 6, 5], 3, true, false],
      [[2, 8, 16, 16], 2, true, true],
      [[1, 3, 7, 2], 1, false, true],
      [[2, 4], 4, false, false],
      // no positions: dx is empty, the parameter gradients are zeros
      [[2, 4, 0], 2, true, true],
      // channels of 64 positions or more (a tree sum per channel) and fewer (one invocation per channel)
      [[1, 6, 9, 9], 2, false, true],
      [[4, 16, 2, 2], 2, true, true],
      // blocks over 256 elements (a workgroup each), spatial sizes not multiples of 4 and multiples
      [[1, 4, 9, 33], 2, true, true],
      [[2, 4, 16, 16], 2, false, false],
      [[3, 2, 1, 300], 1, true, false],
    ];
    for (const [shape, groups, hasWeight, hasBias] of cases) {
      const C = shape[1]!;
      const x = make(r, shape, 'f32');
      const ins = [x, ...(hasWeight ? [make(r, [C], 'f32')] : []), make(r, shape, 'f32')];
      const param = { shape: [C], dtype: 'f32' as DType };
      const outs = [{ shape, dtype: 'f32' as DType }, ...(hasWeight ? [param] : []), ...(hasBias ? [param] : [])];
      await check('groupNormBackward', ins, { groups, eps: 1e-5, hasWeight, hasBias, hasAddend: false }, outs, { atol: 1e-4, rtol: 1e-4 }, shape.join('x'));
      // an addend (a residual's gradient) accumulated into dx
      const withAddend = [...ins, make(r, shape, 'f32')];
      await check('groupNormBackward', withAddend, { groups, eps: 1e-5, hasWeight, hasBias, hasAddend: true }, outs, { atol: 1e-4, rtol: 1e-4 }, `${shape.join('x')} + addend`);
      // through the forward's silu: the bias (when there is one) after the weight
      const withSilu = [x, ...(hasWeight ? [ins[1]!] : []), ...(hasBias ? [make(r, [C], 'f32')] : []), ins[ins.length - 1]!];
      await check('groupNormBackward', withSilu, { groups, eps: 1e-5, hasWeight, hasBias, hasAddend: false, silu: true }, outs, { atol: 1e-4, rtol: 1e-4 }, `${shape.join('x')} silu`);
    }
  },
};

const optimizerCase: ParityCase = {
  name: 'optimizer: adamUpdate (decay, clip scale, apply) and sumOfSquares (more inputs than one dispatch binds)',
  run: async () => {
    const r = rng(17);
    const base = { b1: 0.9, c1: 0.1, b2: 0.999, c2: 0.001, eps: 1e-8, sqrtBc2: Math.sqrt(1 - 0.999 ** 3), stepSize: 1e-3 / (1 - 0.9 ** 3) };
    for (const [n, decay, hasScale, apply] of [[1, 0, false, false], [1029, 1e-5, true, false], [300, 0, true, true], [64, 2e-5, false, true]] as [number, number, boolean, boolean][]) {
      const hasParam = decay !== 0 || apply;
      const g = make(r, [n], 'f32');
      const m = make(r, [n], 'f32', -0.5, 0.5);
      const v = make(r, [n], 'f32', 0, 2);
      const inputs = [g, m, v, ...(hasParam ? [make(r, [n], 'f32')] : []), ...(hasScale ? [make(r, [1], 'f32', 0.1, 1)] : [])];
      const outs = [0, 1, 2].map(() => ({ shape: [n], dtype: 'f32' as DType }));
      // decayEnd < n: only a prefix decays (a flat buffer of many parameters)
      await check('adamUpdate', inputs, { ...base, decay, decayEnd: Math.ceil(n / 2), hasParam, hasScale, apply }, outs, { atol: 1e-6, rtol: 1e-5 }, `n ${n}`);
      // the scale input as a squared global norm, clipped in the kernel
      if (hasScale) await check('adamUpdate', inputs, { ...base, decay, decayEnd: n, hasParam, hasScale, apply, maxNorm: 0.5 }, outs, { atol: 1e-6, rtol: 1e-5 }, `n ${n} clip`);
    }
    const xs = [5, 1, 4099, 0, 7, 33, 2, 1, 9, 300, 3, 3, 3, 3, 3, 3, 3, 17].map((n) => make(r, [n], 'f32'));
    await check('sumOfSquares', xs, {}, [{ shape: [1], dtype: 'f32' }], { atol: 1e-4, rtol: 1e-5 });
    await check('sumOfSquares', [make(r, [0], 'f32')], {}, [{ shape: [1], dtype: 'f32' }]);
  },
};

const packFlatCase: ParityCase = {
  name: 'packFlat: more inputs than one dispatch binds, empty ones, gaps of zeros, rows summed',
  run: async () => {
    const r = rng(19);
    const sizes = [5, 64, 0, 130, 1, 7, 3, 3, 3, 3, 3, 3, 3, 3, 17, 4096, 2];
    const offsets: number[] = [];
    let total = 0;
    for (const n of sizes) {
      offsets.push(total);
      total += Math.ceil(Math.max(n, 1) / 64) * 64;
    }
    await check('packFlat', sizes.map((n) => make(r, [n], 'f32')), { offsets, total }, [{ shape: [total], dtype: 'f32' }]);
    await check('packFlat', [make(r, [2, 3], 'f32')], { offsets: [0], total: 64 }, [{ shape: [64], dtype: 'f32' }]);
    // rows summed into their segments (leading-axis sums of gradients), next to plain copies, over two dispatches
    const rows = sizes.map((_, i) => [1, 3, 1, 2][i % 4]!);
    const tol = { atol: 1e-5, rtol: 1e-5 };
    await check('packFlat', sizes.map((n, i) => make(r, [rows[i]!, n], 'f32')), { offsets, total, rows }, [{ shape: [total], dtype: 'f32' }], tol, 'rows');
  },
};

/**
 * Every primitive's WebGPU-vs-cpu cases, as the kernel table lists every kernel: one key per primitive with a
 * kernel (reshape has none), so a primitive added without a case here does not compile; and the suite fails when a
 * listed case never checks its primitive.
 */
const PARITY: { [P in Exclude<PrimitiveName, 'reshape'>]: readonly [ParityCase, ...ParityCase[]] } = {
  unary: [unaryCase],
  binary: [binaryCase],
  where: [whereCase],
  cast: [castCase],
  reduce: [reduceCase],
  argReduce: [argReduceCase],
  matmul: [matmulCase],
  matmulMany: [matmulManyCase],
  transpose: [layoutCase],
  slice: [layoutCase],
  broadcastTo: [layoutCase],
  pad: [layoutCase],
  concat: [layoutCase],
  gather: [indexingCase],
  takeAlongAxis: [indexingCase],
  putAlongAxis: [indexingCase],
  sort: [sortCase],
  topk: [sortCase],
  randomBits: [creationCase],
  fill: [creationCase],
  arange: [creationCase],
  softmax: [rowsCase],
  logSoftmax: [rowsCase],
  rmsNorm: [rowsCase],
  layerNorm: [rowsCase],
  groupNorm: [rowsCase],
  rope: [ropeLossConvCase],
  crossEntropy: [ropeLossConvCase],
  conv2d: [ropeLossConvCase],
  conv2dBackwardInput: [convBackwardCase],
  conv2dBackwardWeight: [convBackwardCase],
  attention: [attentionCase],
  attentionBackward: [attentionBackwardCase],
  crossEntropyBackward: [crossEntropyBackwardCase],
  rmsNormBackward: [normBackwardCase],
  groupNormBackward: [groupNormBackwardCase],
  adamUpdate: [optimizerCase],
  sumOfSquares: [optimizerCase],
  packFlat: [packFlatCase],
  swiglu: [swigluCase],
  swigluBackward: [swigluCase],
  activationBackward: [activationBackwardCase],
};

describeOnDevices(['webgpu'], 'webgpu kernels vs cpu oracle', () => {
  beforeAll(() => {
    gpu = getBackend('webgpu') as WebGPUBackend;
  });

  it('has an adapter that names itself', () => {
    expect(gpu!.adapterInfo).toMatch(/\S/);
    console.log(`webgpu adapter: ${gpu!.adapterInfo}`);
  });

  it('upload/read round-trips and empty tensors', async () => {
    const g = gpu!;
    const r = rng(11);
    for (const dtype of ['f32', 'i32', 'u32', 'f16', 'bool'] as DType[]) {
      for (const n of [0, 1, 3, 1025]) {
        const t = make(r, [n], dtype);
        const s = g.upload(t.data, dtype);
        const got = await g.read({ storage: s, shape: [n], dtype, size: n });
        const want = await cpu.read({ storage: cpu.upload(t.data, dtype), shape: [n], dtype, size: n });
        expect(Array.from(got)).toEqual(Array.from(want));
        g.free(s);
      }
    }
    await check('unary', [make(r, [0, 3], 'f32')], { op: 'exp' }, [{ shape: [0, 3], dtype: 'f32' }]);
    await check('binary', [make(r, [0, 3], 'f32'), make(r, [1, 3], 'f32')], { op: 'add' }, [{ shape: [0, 3], dtype: 'f32' }]);
    await check('transpose', [make(r, [0, 3], 'f32')], { perm: [1, 0] }, [{ shape: [3, 0], dtype: 'f32' }]);
    await g.sync();
  });

  const checked = new Map<ParityCase, Set<PrimitiveName>>();
  for (const c of new Set(Object.values(PARITY).flat())) {
    it(c.name, async () => {
      seen = new Set();
      await c.run();
      checked.set(c, seen);
    });
  }

  it('each case checks the primitives PARITY lists it under', () => {
    for (const [prim, cases] of Object.entries(PARITY)) {
      for (const c of cases) expect(checked.get(c)?.has(prim as PrimitiveName), `${prim}: case '${c.name}'`).toBe(true);
    }
  });
});
