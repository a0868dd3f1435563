/**
 * The cases of the shared op suite (ops-parity.test.ts), free of any test runner so the browser playground
 * runs them too: each case draws seeded random inputs (size-1 dims, odd sizes, broadcasting, non-contiguous
 * views), applies ops, and names the tolerance its float outputs are held to (integer/bool results are exact).
 */
import * as T from '@mmada/tensor';
import type { DeviceName, DType, Tensor } from '@mmada/tensor';
import { randomData, randomShape, rng } from '../../../tests/support/rng.js';

export interface InputSpec {
  shape: number[];
  dtype?: DType;
  lo?: number;
  hi?: number;
  /** explicit values instead of random ones */
  values?: number[];
}

export interface OpCase {
  name: string;
  inputs: (r: () => number) => InputSpec[];
  fn: (xs: Tensor[]) => Tensor | Tensor[];
  /** float tolerance; integer/bool results must match exactly */
  atol?: number;
  rtol?: number;
}

const f = (shape: number[], lo = -2, hi = 2): InputSpec => ({ shape, lo, hi });
const i32 = (shape: number[]): InputSpec => ({ shape, dtype: 'i32' });
const b = (shape: number[]): InputSpec => ({ shape, dtype: 'bool' });

/** Two shapes that broadcast against each other (some dims of the second set to 1 or dropped). */
function broadcastPair(r: () => number): [number[], number[]] {
  const a = randomShape(r, 1 + Math.floor(r() * 4));
  let bs = a.map((d) => (r() < 0.35 ? 1 : d));
  if (r() < 0.3) bs = bs.slice(Math.floor(r() * bs.length));
  return r() < 0.5 ? [a, bs] : [bs, a];
}

const anyShape = (r: () => number) => randomShape(r, Math.floor(r() * 4));

const unaryFloat: [string, (x: Tensor) => Tensor, number, number][] = [
  ['neg', T.neg, -3, 3], ['abs', T.abs, -3, 3], ['exp', T.exp, -4, 4], ['log', T.log, 0.01, 5],
  ['sqrt', T.sqrt, 0, 9], ['rsqrt', T.rsqrt, 0.05, 9], ['sin', T.sin, -6, 6], ['cos', T.cos, -6, 6],
  ['tanh', T.tanh, -12, 12], ['sigmoid', T.sigmoid, -30, 30], ['relu', T.relu, -2, 2], ['square', T.square, -3, 3],
  ['reciprocal', T.reciprocal, 0.1, 4], ['sign', T.sign, -2, 2], ['floor', T.floor, -5, 5], ['round', T.round, -5, 5],
  ['erf', T.erf, -3, 3], ['silu', T.silu, -8, 8], ['gelu', (x) => T.gelu(x), -5, 5], ['geluTanh', (x) => T.gelu(x, 'tanh'), -5, 5],
];

const binaryFloat: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', T.add], ['sub', T.sub], ['mul', T.mul], ['maximum', T.maximum], ['minimum', T.minimum],
];
const compareOps: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['eq', T.eq], ['ne', T.ne], ['lt', T.lt], ['le', T.le], ['gt', T.gt], ['ge', T.ge],
];

export const OP_PARITY_CASES: readonly OpCase[] = [
  ...unaryFloat.map(([name, fn, lo, hi]): OpCase => ({ name, inputs: (r) => [f(anyShape(r), lo, hi)], fn: ([x]) => fn(x!), atol: 2e-5, rtol: 2e-5 })),
  ...unaryFloat.slice(0, 4).map(([name, fn, lo, hi]): OpCase => ({
    name: `${name} of transposed`,
    inputs: (r) => [f(randomShape(r, 3), lo, hi)],
    fn: ([x]) => fn(T.transpose(x!, [2, 0, 1])),
    atol: 2e-5, rtol: 2e-5,
  })),
  ...['neg', 'abs', 'relu', 'square', 'sign'].map((name): OpCase => ({
    name: `${name} i32`,
    inputs: (r) => [i32(anyShape(r))],
    fn: ([x]) => (T as unknown as Record<string, (t: Tensor) => Tensor>)[name]!(x!),
  })),
  { name: 'logicalNot', inputs: (r) => [b(anyShape(r))], fn: ([x]) => T.logicalNot(x!) },
  ...binaryFloat.map(([name, fn]): OpCase => ({ name, inputs: (r) => broadcastPair(r).map((s) => f(s)), fn: ([a, c]) => fn(a!, c!) })),
  ...binaryFloat.map(([name, fn]): OpCase => ({ name: `${name} i32`, inputs: (r) => broadcastPair(r).map((s) => i32(s)), fn: ([a, c]) => fn(a!, c!) })),
  { name: 'div', inputs: (r) => broadcastPair(r).map((s, i) => (i ? f(s, 0.5, 3) : f(s))), fn: ([a, c]) => T.div(a!, c!), rtol: 1e-5 },
  { name: 'pow', inputs: (r) => broadcastPair(r).map((s, i) => (i ? f(s, -2, 2) : f(s, 0.1, 3))), fn: ([a, c]) => T.pow(a!, c!), atol: 1e-5, rtol: 1e-4 },
  { name: 'add scalar + slice', inputs: (r) => [f(randomShape(r, 2, 9))], fn: ([x]) => T.add(T.sliceAxis(x!, 1, 1), 2.5) },
  ...compareOps.map(([name, fn]): OpCase => ({ name, inputs: (r) => broadcastPair(r).map((s) => i32(s)), fn: ([a, c]) => fn(a!, c!) })),
  ...compareOps.map(([name, fn]): OpCase => ({ name: `${name} f32`, inputs: (r) => broadcastPair(r).map((s) => f(s)), fn: ([a, c]) => fn(a!, c!) })),
  { name: 'logicalAnd', inputs: (r) => broadcastPair(r).map((s) => b(s)), fn: ([a, c]) => T.logicalAnd(a!, c!) },
  { name: 'logicalOr', inputs: (r) => broadcastPair(r).map((s) => b(s)), fn: ([a, c]) => T.logicalOr(a!, c!) },
  {
    name: 'where',
    inputs: (r) => {
      const [s1, s2] = broadcastPair(r);
      return [b(s1), f(s2), f(s1)];
    },
    fn: ([c, x, y]) => T.where(c!, x!, y!),
  },
  { name: 'clamp', inputs: (r) => [f(anyShape(r), -3, 3)], fn: ([x]) => T.clamp(x!, -1, 0.5) },
  ...(
    [
      ['f32', 'i32', -100, 100], ['f32', 'u32', 0, 1000], ['f32', 'bool', -1, 1], ['f32', 'f16', -100, 100],
      ['i32', 'f32', 0, 0], ['i32', 'bool', 0, 0], ['bool', 'f32', 0, 0], ['u32', 'i32', 0, 0], ['f16', 'f32', -10, 10],
    ] as [DType, DType, number, number][]
  ).map(([from, to, lo, hi]): OpCase => ({
    name: `cast ${from}->${to}`,
    inputs: (r) => [{ shape: anyShape(r), dtype: from, lo, hi }],
    fn: ([x]) => T.cast(x!, to),
    atol: 0, rtol: 0,
  })),
  { name: 'isFinite', inputs: () => [{ shape: [5], values: [0, Infinity, -Infinity, NaN, 2] }], fn: ([x]) => T.isFinite(x!) },
  // reductions over random axes
  ...(['sum', 'mean', 'max', 'min', 'prod', 'logSumExp'] as const).map((name): OpCase => ({
    name,
    inputs: (r) => [f(randomShape(r, 1 + Math.floor(r() * 3)), name === 'prod' ? 0.5 : -2, name === 'prod' ? 1.5 : 2)],
    fn: ([x]) => {
      const r = rng(x!.size * 7 + x!.rank);
      const axes = x!.shape.map((_, i) => i).filter(() => r() < 0.5);
      return T[name](x!, axes.length ? axes : undefined, { keepDims: r() < 0.5 });
    },
    atol: 1e-4, rtol: 1e-4,
  })),
  { name: 'sum i32 of transposed', inputs: (r) => [i32(randomShape(r, 3))], fn: ([x]) => T.sum(T.transpose(x!), [0, 2]) },
  { name: 'sum bool', inputs: (r) => [b(randomShape(r, 2))], fn: ([x]) => T.sum(x!, 1) },
  { name: 'any', inputs: (r) => [b(randomShape(r, 3))], fn: ([x]) => T.any(x!, [1]) },
  { name: 'all', inputs: (r) => [b(randomShape(r, 3))], fn: ([x]) => T.all(x!, [0, 2], { keepDims: true }) },
  { name: 'argmax', inputs: (r) => [i32(randomShape(r, 3))], fn: ([x]) => T.argmax(x!, 1) },
  { name: 'argmin', inputs: (r) => [f(randomShape(r, 2))], fn: ([x]) => T.argmin(x!, -1, { keepDims: true }) },
  // shape ops
  { name: 'reshape', inputs: (r) => [f(randomShape(r, 3))], fn: ([x]) => T.exp(T.reshape(x!, [-1])) },
  {
    name: 'transpose',
    inputs: (r) => [f(randomShape(r, 4, 5))],
    fn: ([x]) => [T.transpose(x!), T.transpose(x!, [1, 3, 0, 2]), T.swapAxes(x!, 0, 2)],
  },
  { name: 'expandDims/squeeze', inputs: (r) => [f(randomShape(r, 3))], fn: ([x]) => T.neg(T.squeeze(T.expandDims(x!, 1))) },
  { name: 'broadcastTo', inputs: (r) => [f([1, 1 + Math.floor(r() * 5), 1])], fn: ([x]) => T.broadcastTo(x!, [3, x!.shape[1]!, 4]) },
  {
    name: 'slice',
    inputs: (r) => [f(randomShape(r, 3, 8))],
    fn: ([x]) => {
      const s = x!.shape;
      return T.slice(x!, s.map((d) => Math.floor(d / 3)), s.map((d) => d - Math.floor(d / 3) - Math.floor(d / 4)));
    },
  },
  { name: 'slice of transposed', inputs: (r) => [f(randomShape(r, 2, 8))], fn: ([x]) => T.sliceAxis(T.transpose(x!), 0, 0, -1 + x!.shape[1]!) },
  {
    name: 'concat',
    inputs: (r) => {
      const s = randomShape(r, 3);
      return [0, 1, 2].map(() => f(s.map((d, i) => (i === 1 ? 1 + Math.floor(r() * 4) : d))));
    },
    fn: (xs) => T.concat(xs, 1),
  },
  { name: 'concat i32', inputs: (r) => [i32([2, 3]), i32([Math.ceil(r() * 3), 3])], fn: (xs) => T.concat(xs, 0) },
  { name: 'stack', inputs: (r) => { const s = randomShape(r, 2); return [f(s), f(s)]; }, fn: (xs) => T.stack(xs, -1) },
  { name: 'split', inputs: (r) => [f([randomShape(r, 1)[0]!, 6])], fn: ([x]) => T.split(x!, [1, 2, 3], 1) },
  { name: 'pad', inputs: (r) => [f(randomShape(r, 3))], fn: ([x]) => T.pad(x!, [[1, 0], [0, 2], [2, 1]], -7) },
  { name: 'pad f16', inputs: (r) => [{ shape: randomShape(r, 2), dtype: 'f16' }], fn: ([x]) => T.pad(x!, [[1, 1], [0, 3]], 0.5) },
  { name: 'tile', inputs: (r) => [f(randomShape(r, 2, 4))], fn: ([x]) => T.tile(x!, [2, 1, 3]) },
  // indexing
  {
    name: 'gather',
    inputs: (r) => {
      const s = randomShape(r, 3);
      return [f(s), { shape: [2, 3], dtype: 'i32', values: Array.from({ length: 6 }, () => Math.floor(r() * s[1]!)) }];
    },
    fn: ([x, idx]) => T.gather(x!, idx!, 1),
  },
  {
    name: 'gather rows (embedding)',
    inputs: (r) => [f([11, 5]), { shape: [3, 4], dtype: 'i32', values: Array.from({ length: 12 }, () => Math.floor(r() * 11)) }],
    fn: ([x, idx]) => T.gather(x!, idx!, 0),
  },
  {
    name: 'takeAlongAxis',
    inputs: (r) => {
      const s = randomShape(r, 3);
      const n = 1 + Math.floor(r() * 4);
      const is = s.map((d, i) => (i === 2 ? n : r() < 0.3 ? 1 : d));
      return [f(s), { shape: is, dtype: 'i32', values: Array.from({ length: is.reduce((a, c) => a * c, 1) }, () => Math.floor(r() * s[2]!)) }];
    },
    fn: ([x, idx]) => T.takeAlongAxis(x!, idx!, 2),
  },
  {
    name: 'putAlongAxis set',
    inputs: (r) => {
      const rows = 1 + Math.floor(r() * 4);
      const cols = 3 + Math.floor(r() * 6);
      // distinct indices per row so 'set' is deterministic
      const idx = Array.from({ length: rows }, () => {
        const p = Array.from({ length: cols }, (_, i) => i).sort(() => r() - 0.5);
        return p.slice(0, 2);
      }).flat();
      return [f([rows, cols]), { shape: [rows, 2], dtype: 'i32', values: idx }, f([rows, 2])];
    },
    fn: ([x, idx, v]) => T.putAlongAxis(x!, idx!, v!, 1),
  },
  {
    name: 'scatterAdd with duplicates',
    inputs: (r) => [f([3, 5]), { shape: [3, 6], dtype: 'i32', values: Array.from({ length: 18 }, () => Math.floor(r() * 5)) }, f([3, 6])],
    fn: ([x, idx, v]) => T.scatterAdd(x!, idx!, v!, 1),
    atol: 1e-5,
  },
  {
    name: 'scatterAdd axis 0 (embedding grad)',
    inputs: (r) => [f([6, 4], 0, 0), { shape: [5, 4], dtype: 'i32', values: Array.from({ length: 5 }, () => Math.floor(r() * 6)).flatMap((v) => [v, v, v, v]) }, f([5, 4])],
    fn: ([x, idx, v]) => T.scatterAdd(x!, idx!, v!, 0),
    atol: 1e-5,
  },
  { name: 'oneHot', inputs: (r) => [{ shape: [4], dtype: 'i32', values: [0, 3, 1, Math.floor(r() * 5)] }], fn: ([x]) => T.oneHot(x!, 5) },
  // matmul
  ...[
    [[1, 1], [1, 1]], [[3, 5], [5, 7]], [[2, 3, 4], [4, 5]], [[2, 1, 3, 4], [1, 5, 4, 2]], [[5], [5, 3]], [[4, 6], [6]],
    [[17, 33], [33, 9]], [[2, 64, 48], [2, 48, 40]],
  ].map(([as, bs]): OpCase => ({ name: `matmul ${JSON.stringify(as)}x${JSON.stringify(bs)}`, inputs: () => [f(as!), f(bs!)], fn: ([a, c]) => T.matmul(a!, c!), atol: 1e-4, rtol: 1e-4 })),
  { name: 'matmul transA transB', inputs: () => [f([3, 7, 5]), f([3, 6, 7])], fn: ([a, c]) => T.matmul(a!, c!, { transA: true, transB: true }), atol: 1e-4, rtol: 1e-4 },
  { name: 'matmul of transposed', inputs: () => [f([6, 5]), f([6, 4])], fn: ([a, c]) => T.matmul(T.transpose(a!), c!), atol: 1e-4, rtol: 1e-4 },
  // transposed A with M ≥ 8 and not a multiple of 4: the GEMM reads A without vec4 loads (a 5-row form of it once
  // lost Chromium's SwiftShader device)
  ...[[11, 9, 6], [7, 13, 10], [20, 18, 5]].map(([k, m, n]): OpCase => ({
    name: `matmul transA M${m}`, inputs: () => [f([2, k!, m!]), f([2, k!, n!])], fn: ([a, c]) => T.matmul(a!, c!, { transA: true }), atol: 1e-4, rtol: 1e-4,
  })),
  // sorting
  { name: 'topk', inputs: (r) => [f([1 + Math.floor(r() * 3), 5 + Math.floor(r() * 40)])], fn: ([x]) => { const t = T.topk(x!, 4); return [t.values, t.indices]; } },
  { name: 'topk ties', inputs: (r) => [i32([3, 9 + Math.floor(r() * 9)])], fn: ([x]) => { const t = T.topk(x!, 5); return [t.values, t.indices]; } },
  { name: 'sort', inputs: (r) => [f(randomShape(r, 2, 30))], fn: ([x]) => [T.sort(x!), T.sort(x!, { descending: true })] },
  { name: 'argsort stable', inputs: (r) => [i32([2, 1 + Math.floor(r() * 70)])], fn: ([x]) => [T.argsort(x!), T.argsort(x!, { descending: true })] },
  { name: 'sort long row', inputs: () => [f([2, 1500])], fn: ([x]) => T.argsort(x!) },
  // creation
  { name: 'arange/full', inputs: () => [], fn: () => [T.arange(3, 17, 2), T.arange(0, 1, 0.25, 'f32'), T.full([2, 3], 1.5), T.ones([4], 'bool')] },
];

function make(device: DeviceName, spec: InputSpec, r: () => number): Tensor {
  const dtype = spec.dtype ?? 'f32';
  const size = spec.shape.reduce((a, c) => a * c, 1);
  const vals = spec.values ?? randomData(r, size, dtype, spec.lo, spec.hi);
  return T.tensor(vals, spec.shape, dtype, { device });
}

/** Runs a case on a device; the same seed gives the same inputs on every device. */
export async function runOpCase(device: DeviceName, c: OpCase, seed: number): Promise<Tensor[]> {
  const r = rng(seed);
  const specs = c.inputs(r);
  const inputs = specs.map((s) => make(device, s, r));
  const out = c.fn(inputs);
  return Array.isArray(out) ? out : [out];
}
