/**
 * The gradient check of every primitive: GRADIENTS has one entry per primitive of @mmada/tensor (as the rule
 * table has), so a primitive added without gradient cases does not compile. Each case is checked against central
 * differences on the cpu device (tests/support/gradcheck.ts: f64 host accumulation, atol 2e-3 + rtol 1e-2), and
 * must really run the primitive it is listed under. A primitive listed as not differentiable must have a
 * nonDifferentiable rule, and the other way round.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import type { PrimitiveName, Tensor } from '@mmada/tensor';
import { VJP_RULES } from '../src/rules/table.js';
import { checkGradient, type InputSpec } from '../../../tests/support/gradcheck.js';
import { rng } from '../../../tests/support/rng.js';

interface GradCase {
  label: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: InputSpec[];
  opts?: { seed?: number; eps?: number };
}
/** A primitive whose rule is nonDifferentiable (integer outputs, constants, fused backward passes). */
const NONE = 'not differentiable' as const;

const c = (label: string, f: GradCase['f'], inputs: InputSpec[], opts?: GradCase['opts']): GradCase => ({ label, f, inputs, ...(opts ? { opts } : {}) });
const ints = (data: number[], shape: number[]): InputSpec => ({ shape, data, dtype: 'i32', constant: true });
const bools = (data: number[], shape: number[]): InputSpec => ({ shape, data, dtype: 'bool', constant: true });

type Range = { lo?: number; hi?: number; gap?: number };
const unary = (label: string, f: (x: Tensor) => Tensor, range: Range = {}) => c(`unary ${label}`, f, [{ shape: [2, 3], ...range }]);
const binary = (label: string, f: (a: Tensor, b: Tensor) => Tensor, range: Range = {}) =>
  c(`binary ${label} with broadcasting`, f as GradCase['f'], [{ shape: [2, 1, 3], ...range }, { shape: [4, 1], ...range }], { seed: 7 });

/** Several outputs as one vector (the check weights each element at random). */
const flatAll = (ys: readonly Tensor[]) => T.concat(ys.map((y) => T.reshape(y, [-1])), 0);

const r = rng(3);
/** Distinct values, so sort and topk have no ties. */
const distinct = Array.from({ length: 10 }, (_, i) => i * 0.37 + r() * 0.1).sort(() => r() - 0.5);

const GRADIENTS: { readonly [P in PrimitiveName]: readonly [GradCase, ...GradCase[]] | typeof NONE } = {
  unary: [
    unary('neg', T.neg),
    unary('abs', T.abs, { gap: 0.05 }),
    unary('exp', T.exp),
    unary('log', T.log, { lo: 0.2, hi: 2 }),
    unary('sqrt', T.sqrt, { lo: 0.2, hi: 2 }),
    unary('rsqrt', T.rsqrt, { lo: 0.3, hi: 2 }),
    unary('sin', T.sin),
    unary('cos', T.cos),
    unary('tanh', T.tanh),
    unary('sigmoid', T.sigmoid),
    unary('relu', T.relu, { gap: 0.05 }),
    unary('square', T.square),
    unary('reciprocal', T.reciprocal, { gap: 0.3 }),
    unary('erf', T.erf),
    unary('silu', T.silu),
    unary('gelu', (x) => T.gelu(x)),
    unary('gelu tanh', (x) => T.gelu(x, 'tanh')),
    c('sign / floor / round have zero gradient', (x) => T.add(T.floor(x), T.add(T.round(x), T.sign(x))), [{ shape: [5], data: [0.3, -0.7, 1.2, 2.4, -1.3] }]),
  ],
  binary: [
    binary('add', T.add),
    binary('sub', T.sub),
    binary('mul', T.mul),
    binary('div', T.div, { gap: 0.3 }),
    binary('pow', T.pow, { lo: 0.3, hi: 2 }),
    binary('maximum', T.maximum),
    binary('minimum', T.minimum),
    c('clamp (maximum and minimum at the bounds)', (x) => T.clamp(x, -0.5, 0.5), [{ shape: [6], data: [-1, -0.3, 0.1, 0.4, 0.8, 1.2] }]),
    c('pow with a negative base and an integer exponent', (a, b) => T.pow(a, b), [{ shape: [3], data: [-1.5, 0.7, 1.3] }, { shape: [3], data: [2, 1.5, -0.5], constant: true }]),
  ],
  where: [c('where (the condition gets none)', (cond, a, b) => T.where(T.gt(cond, 0), a, b), [{ shape: [2, 3], constant: true, gap: 0.1 }, { shape: [1, 3] }, { shape: [2, 1] }])],
  cast: [c('cast f32 -> f16 -> f32 passes the gradient', (x) => T.cast(T.mul(T.cast(x, 'f16'), 1), 'f32'), [{ shape: [4], data: [0.5, 1.25, -2, 3] }], { eps: 0.125 })],
  reduce: [
    c('sum', (x) => T.sum(x, [0, 2]), [{ shape: [2, 3, 4] }]),
    c('mean', (x) => T.mean(x, 1, { keepDims: true }), [{ shape: [2, 3, 4] }]),
    c('max', (x) => T.max(x, -1), [{ shape: [3, 5] }]),
    c('min', (x) => T.min(x, [0, 1]), [{ shape: [3, 5] }]),
    c('prod', (x) => T.prod(x, 1), [{ shape: [2, 4], lo: 0.5, hi: 1.5 }]),
    c('logSumExp', (x) => T.logSumExp(x, -1), [{ shape: [3, 4] }]),
  ],
  argReduce: NONE,
  matmul: [
    c('plain', (a, b) => T.matmul(a, b), [{ shape: [3, 4] }, { shape: [4, 2] }]),
    c('transA', (a, b) => T.matmul(a, b, { transA: true }), [{ shape: [4, 3] }, { shape: [4, 2] }]),
    c('transB', (a, b) => T.matmul(a, b, { transB: true }), [{ shape: [3, 4] }, { shape: [2, 4] }]),
    c('transA and transB', (a, b) => T.matmul(a, b, { transA: true, transB: true }), [{ shape: [4, 3] }, { shape: [2, 4] }]),
    c('with an addend (a residual)', (a, b, r) => T.matmul(a, b, { transB: true, addend: r }), [{ shape: [2, 3, 4] }, { shape: [5, 4] }, { shape: [2, 3, 5] }]),
    // the addend used again later: its gradient gathered before the matmul's rule runs is kept
    c('with an addend used again', (a, b, r) => T.mul(T.matmul(a, b, { addend: r }), T.exp(r)), [{ shape: [3, 4] }, { shape: [4, 2] }, { shape: [3, 2] }]),
    // one input through three projections and a residual: the gradients meet in the products' epilogues
    c(
      'projections of one input, gradients gathered in the epilogue',
      (x, wq, wk) => T.add(T.mul(T.matmul(x, wq, { transB: true }), T.matmul(x, wk, { transB: true })), T.matmul(x, wq, { transB: true, addend: T.mul(x, 2) })),
      [{ shape: [2, 3, 4] }, { shape: [4, 4] }, { shape: [4, 4] }],
    ),
    c('batched with broadcast', (a, b) => T.matmul(a, b), [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }]),
    c('vector', (a, b) => T.matmul(a, b), [{ shape: [4] }, { shape: [2, 4, 3] }]),
  ],
  matmulMany: [
    c('sharedA: x·W_iᵀ (q, k, v)', (x, a, b, w) => flatAll(T.matmulMany('sharedA', [x], [a, b, w], { transB: true })), [{ shape: [3, 4] }, { shape: [2, 4] }, { shape: [4, 4] }, { shape: [1, 4] }]),
    c(
      'sharedA: aᵀ·b_i, a used again (its gradient gathered first), one output unused',
      (x, a, b, w) => flatAll([T.matmulMany('sharedA', [x], [a, b, w], { transA: true })[0]!, T.matmulMany('sharedA', [x], [a, b, w], { transA: true })[2]!, T.mul(x, x)]),
      [{ shape: [4, 3] }, { shape: [4, 2] }, { shape: [4, 5] }, { shape: [4, 1] }],
    ),
    c('sharedB: a_iᵀ·b (weight gradients)', (a1, a2, b) => flatAll(T.matmulMany('sharedB', [a1, a2], [b], { transA: true })), [{ shape: [5, 3] }, { shape: [5, 2] }, { shape: [5, 4] }]),
    c('sharedB: a_i·bᵀ', (a1, a2, b) => flatAll(T.matmulMany('sharedB', [a1, a2], [b], { transB: true })), [{ shape: [3, 5] }, { shape: [2, 5] }, { shape: [4, 5] }]),
    c('sum: Σ a_i·b_i + c', (a1, a2, b1, b2, cc) => flatAll(T.matmulMany('sum', [a1, a2], [b1, b2], { addend: cc })), [{ shape: [3, 2] }, { shape: [3, 4] }, { shape: [2, 5] }, { shape: [4, 5] }, { shape: [3, 5] }]),
    c('sum: Σ a_iᵀ·b_iᵀ', (a1, a2, b1, b2) => flatAll(T.matmulMany('sum', [a1, a2], [b1, b2], { transA: true, transB: true })), [{ shape: [2, 3] }, { shape: [4, 3] }, { shape: [5, 2] }, { shape: [5, 4] }]),
  ],
  reshape: [
    c('reshape', (x) => T.reshape(T.mul(x, x), [6, 2]), [{ shape: [3, 4] }]),
    c('squeeze / expandDims', (x) => T.squeeze(T.expandDims(x, 1)), [{ shape: [3, 2] }]),
  ],
  transpose: [c('transpose', (x) => T.transpose(x, [2, 0, 1]), [{ shape: [2, 3, 4] }])],
  slice: [c('slice', (x) => T.slice(x, [1, 0, 2], [1, 2, 2]), [{ shape: [2, 3, 4] }])],
  broadcastTo: [
    c('broadcastTo', (x) => T.broadcastTo(x, [2, 3, 4]), [{ shape: [3, 1] }]),
    c('tile', (x) => T.tile(x, [2, 3]), [{ shape: [2, 2] }]),
    c('upsampleNearest2d', (x) => T.upsampleNearest2d(x, 2), [{ shape: [1, 2, 2, 3] }]),
  ],
  pad: [c('pad', (x) => T.pad(x, [[1, 2], [0, 1]], 3), [{ shape: [2, 3] }])],
  concat: [
    c('concat', (a, b) => T.concat([a, b, a], 1), [{ shape: [2, 1] }, { shape: [2, 3] }]),
    c('stack', (a, b) => T.stack([a, b], 0), [{ shape: [3] }, { shape: [3] }]),
  ],
  gather: [
    c('gather rows (repeats, out of range)', (x, i) => T.gather(x, i, 0), [{ shape: [5, 3] }, ints([0, 4, 4, 1, 9, -1], [2, 3])]),
    c('gather axis 1', (x, i) => T.gather(x, i, 1), [{ shape: [2, 4, 3] }, ints([3, 0, 3], [3])]),
    c('embedding', (x, i) => T.embedding(x, i), [{ shape: [6, 2] }, ints([5, 0, 5, 2], [2, 2])]),
  ],
  takeAlongAxis: [c('takeAlongAxis', (x, i) => T.takeAlongAxis(x, i, 1), [{ shape: [2, 4] }, ints([3, 3, 0, 1, 2, 2], [2, 3])])],
  putAlongAxis: [
    c('putAlongAxis set', (x, i, v) => T.putAlongAxis(x, i, v, 1, 'set'), [{ shape: [2, 4] }, ints([3, 0, 1, 2], [2, 2]), { shape: [2, 2] }]),
    c('scatterAdd', (x, i, v) => T.scatterAdd(x, i, v, 1), [{ shape: [2, 4] }, ints([3, 3, 1, 2], [2, 2]), { shape: [2, 2] }]),
  ],
  sort: [c('sort values', (x) => T.sort(x, { descending: true }), [{ shape: [2, 5], data: distinct }])],
  topk: [c('topk values', (x) => T.topk(x, 2).values, [{ shape: [2, 5], data: distinct }])],
  randomBits: NONE,
  fill: NONE,
  arange: NONE,
  softmax: [
    c('softmax', (x) => T.softmax(x, -1), [{ shape: [2, 5] }]),
    c('softmax axis 1', (x) => T.softmax(x, 1), [{ shape: [2, 3, 2] }]),
  ],
  logSoftmax: [c('logSoftmax', (x) => T.logSoftmax(x, -1), [{ shape: [3, 4] }])],
  rmsNorm: [
    c('rmsNorm', (x, w) => T.rmsNorm(x, w, 1e-5), [{ shape: [3, 4] }, { shape: [4] }]),
    c('rmsNorm no weight', (x) => T.rmsNorm(x, null, 1e-5), [{ shape: [2, 5] }]),
    // a residual connection: x's two gradients are added in rmsNormBackward's kernel (vjpAccumulating)
    c('rmsNorm under a residual', (x, w) => T.add(x, T.mul(T.rmsNorm(x, w, 1e-5), 2)), [{ shape: [3, 4] }, { shape: [4] }]),
    c('rmsNorm with its weight used again', (x, w) => T.add(T.add(x, T.rmsNorm(x, w, 1e-5)), T.mul(w, w)), [{ shape: [3, 4] }, { shape: [4] }]),
  ],
  layerNorm: [
    c('layerNorm', (x, w, b) => T.layerNorm(x, w, b, 1e-5), [{ shape: [3, 4] }, { shape: [4] }, { shape: [4] }]),
    c('layerNorm bare', (x) => T.layerNorm(x, null, null, 1e-5), [{ shape: [2, 5] }]),
  ],
  groupNorm: [
    c('groupNorm', (x, w, b) => T.groupNorm(x, 2, w, b, 1e-5), [{ shape: [2, 4, 2, 2] }, { shape: [4] }, { shape: [4] }]),
    c('groupNorm without weight and bias, one group, rank 3', (x) => T.groupNorm(x, 1, null, null, 1e-5), [{ shape: [2, 3, 5] }]),
    // a residual connection: x's two gradients are added in groupNormBackward's kernel (vjpAccumulating)
    c('groupNorm under a residual', (x, w, b) => T.add(x, T.mul(T.groupNorm(x, 2, w, b, 1e-5), 2)), [{ shape: [2, 4, 3, 1] }, { shape: [4] }, { shape: [4] }]),
    c('groupNorm with silu', (x, w, b) => T.groupNorm(x, 2, w, b, 1e-5, { silu: true }), [{ shape: [2, 4, 3, 1] }, { shape: [4] }, { shape: [4] }]),
    c('groupNorm with silu, no bias, under a residual', (x, w) => T.add(x, T.groupNorm(x, 2, w, null, 1e-5, { silu: true })), [{ shape: [1, 4, 5] }, { shape: [4] }]),
    // x, weight and bias each gathered a gradient before the first norm's backward runs
    c('groupNorm twice with one weight and bias', (x, w, b) => T.add(T.groupNorm(x, 2, w, b, 1e-5), T.mul(T.groupNorm(T.mul(x, x), 2, w, b, 1e-5), 3)), [{ shape: [2, 4, 2, 1] }, { shape: [4] }, { shape: [4] }]),
  ],
  rope: [
    c('rope (positions per row)', (x, p) => T.rope(x, p, 10000), [{ shape: [2, 2, 3, 4] }, ints([0, 1, 2, 5, 3, 7], [2, 3])]),
    c('rope splitting heads ([B, T, H, D] in)', (x, p) => T.rope(x, p, 10000, { splitHeads: true }), [{ shape: [2, 3, 2, 4] }, ints([0, 1, 4], [3])]),
    c('ropeMany: queries and keys in one kernel', (q, k, p) => T.add(T.mul(...(T.ropeMany([q, k], p, 10000) as [T.Tensor, T.Tensor])), T.ropeMany([k], p, 500)[0]!), [{ shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 4] }, ints([2, 0, 5], [3])]),
  ],
  swiglu: [c('swiglu', (g, u) => T.swiglu(g, u), [{ shape: [3, 5] }, { shape: [3, 5] }])],
  attention: [
    c(
      'attention with a padding mask and a bias',
      (q, k, v, m, b) => T.attention(q, k, v, { keyPadMask: m, bias: b }),
      [{ shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 4] }, { shape: [1, 2, 3, 2] }, bools([1, 1, 0], [1, 3]), { shape: [1, 1, 3, 3] }],
    ),
    c('cross attention', (q, k, v) => T.attention(q, k, v), [{ shape: [2, 1, 2, 3] }, { shape: [2, 1, 4, 3] }, { shape: [2, 1, 4, 3] }]),
    c(
      'attention with token-major v and output, masked',
      (q, k, v, m) => T.attention(q, k, v, { keyPadMask: m, tokenMajorValues: true }),
      [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 3, 4] }, { shape: [2, 3, 2, 2] }, bools([1, 1, 0, 1, 1, 1], [2, 3])],
    ),
  ],
  crossEntropy: [c('crossEntropy with ignoreIndex', (l, t) => T.crossEntropy(l, t, { ignoreIndex: -100 }), [{ shape: [4, 5] }, ints([2, -100, 0, 4], [4])])],
  conv2d: [
    c('conv2d stride 2, padding, bias', (x, w, b) => T.conv2d(x, w, b, { stride: 2, padding: 1 }), [{ shape: [1, 2, 5, 4] }, { shape: [3, 2, 3, 3] }, { shape: [3] }]),
    c('conv2d dilation, asymmetric padding', (x, w) => T.conv2d(x, w, null, { dilation: 2, padding: [0, 1, 2, 0] as never }), [{ shape: [2, 1, 5, 5] }, { shape: [2, 1, 2, 2] }]),
    // the image tokenizer's downsample; stride 2 with dilation 2 leaves the odd input rows and columns untouched
    c('conv2d stride 2, padding [0, 1, 0, 1]', (x, w, b) => T.conv2d(x, w, b, { stride: 2, padding: [0, 1, 0, 1] }), [{ shape: [2, 2, 6, 6] }, { shape: [2, 2, 3, 3] }, { shape: [2] }]),
    c('conv2d stride 2, dilation 2', (x, w) => T.conv2d(x, w, null, { stride: 2, dilation: 2, padding: 1 }), [{ shape: [1, 2, 6, 5] }, { shape: [2, 2, 2, 3] }]),
  ],
  attentionBackward: NONE,
  crossEntropyBackward: NONE,
  rmsNormBackward: NONE,
  groupNormBackward: NONE,
  conv2dBackwardInput: NONE,
  conv2dBackwardWeight: NONE,
  swigluBackward: NONE,
  activationBackward: NONE,
  adamUpdate: NONE,
  sumOfSquares: NONE,
  packFlat: NONE,
};

describe('gradients of every primitive against central differences (cpu)', () => {
  for (const [prim, cases] of Object.entries(GRADIENTS) as [PrimitiveName, (typeof GRADIENTS)[PrimitiveName]][]) {
    if (cases === NONE) continue;
    for (const gc of cases) {
      it(`${prim}: ${gc.label}`, async () => {
        const seen = new Set<PrimitiveName>();
        const stop = T.onPrimitive((e) => seen.add(e.prim));
        try {
          await checkGradient(gc.f, gc.inputs, { ...gc.opts, label: `${prim}: ${gc.label}` });
        } finally {
          stop();
        }
        expect([...seen], `${prim}: ${gc.label} must run ${prim}`).toContain(prim);
      });
    }
  }

  it('lists every primitive of the rule table, as not differentiable exactly where its rule is nonDifferentiable', () => {
    expect(Object.keys(GRADIENTS).sort()).toEqual(Object.keys(VJP_RULES).sort());
    for (const [prim, cases] of Object.entries(GRADIENTS) as [PrimitiveName, (typeof GRADIENTS)[PrimitiveName]][]) {
      expect(cases === NONE, prim).toBe(VJP_RULES[prim].kind === 'nonDifferentiable');
    }
  });
});
