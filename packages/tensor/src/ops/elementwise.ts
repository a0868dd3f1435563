import { isFloat, isHalf, promoteTypes, type DType } from '../dtype.js';
import { run1 } from '../engine.js';
import { TensorError } from '../errors.js';
import type { BinaryOp, UnaryOp } from '../primitives.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { asTensor, castRaw, reshapeRaw, toRank, type TensorLike } from './util.js';

/**
 * Intermediates (casts, rank padding, scalars) are disposed here, so ops never leak even
 * outside a scope. Inputs are never disposed.
 */
function cleanup(temps: Tensor[], inputs: readonly unknown[], result: Tensor): Tensor {
  for (const t of temps) if (t !== result && !inputs.includes(t)) t.dispose();
  return result;
}

const FLOAT_ONLY: ReadonlySet<UnaryOp> = new Set([
  'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'reciprocal', 'erf', 'silu', 'geluTanh', 'geluErf',
]);

function unary(op: UnaryOp, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TensorError(op, 'expected a Tensor');
  const temps: Tensor[] = [];
  let input = x;
  let outDtype: DType = x.dtype;
  if (op === 'bitsToUnit') {
    if (x.dtype !== 'u32') throw new TensorError(op, `needs u32 bits, got ${x.dtype}`);
    outDtype = 'f32';
  } else if (op === 'logicalNot') {
    input = castRaw(x, 'bool');
    outDtype = 'bool';
  } else if ((op === 'floor' || op === 'round') && !isFloat(x.dtype)) {
    return reshapeRaw(x, x.shape); // integers are already whole
  } else if (FLOAT_ONLY.has(op) || isHalf(x.dtype)) {
    input = castRaw(x, 'f32');
    outDtype = isHalf(x.dtype) ? x.dtype : 'f32';
  } else if (x.dtype === 'bool') {
    input = castRaw(x, 'i32');
    outDtype = 'i32';
  }
  if (input !== x) temps.push(input);
  let y = run1('unary', [input], { op }, { shape: input.shape, dtype: isHalf(outDtype) ? 'f32' : outDtype });
  if (isHalf(outDtype)) {
    temps.push(y);
    y = castRaw(y, outDtype);
  }
  return cleanup(temps, [x], y);
}

export const neg = (x: Tensor) => unary('neg', x);
export const abs = (x: Tensor) => unary('abs', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
export const sin = (x: Tensor) => unary('sin', x);
export const cos = (x: Tensor) => unary('cos', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const relu = (x: Tensor) => unary('relu', x);
export const square = (x: Tensor) => unary('square', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const sign = (x: Tensor) => unary('sign', x);
export const floor = (x: Tensor) => unary('floor', x);
export const round = (x: Tensor) => unary('round', x);
export const erf = (x: Tensor) => unary('erf', x);
export const logicalNot = (x: Tensor) => unary('logicalNot', x);
/** x·sigmoid(x). */
export const silu = (x: Tensor) => unary('silu', x);
/** GELU, exact erf form by default; `approximate: 'tanh'` gives the tanh form. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none') => unary(approximate === 'tanh' ? 'geluTanh' : 'geluErf', x);
/** @internal u32 bits -> uniform [0, 1). */
export const bitsToUnit = (x: Tensor) => unary('bitsToUnit', x);

const FLOAT_RESULT: ReadonlySet<BinaryOp> = new Set(['div', 'pow']);
const LOGICAL: ReadonlySet<BinaryOp> = new Set(['logicalAnd', 'logicalOr']);
const COMPARE: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function binary(op: BinaryOp, a0: TensorLike, b0: TensorLike): Tensor {
  const like = a0 instanceof Tensor ? a0 : b0 instanceof Tensor ? b0 : undefined;
  if (!like) throw new TensorError(op, 'at least one argument must be a Tensor');
  const temps: Tensor[] = [];
  const a1 = asTensor(a0, like, op);
  const b1 = asTensor(b0, like, op);
  if (a1 !== a0) temps.push(a1);
  if (b1 !== b0) temps.push(b1);
  const outShape = broadcastShapes(op, a1.shape, b1.shape);
  let compute: DType;
  let outDtype: DType;
  if (LOGICAL.has(op)) {
    compute = 'bool';
    outDtype = 'bool';
  } else {
    const common = promoteTypes(a1.dtype, b1.dtype);
    if (FLOAT_ONLY_BINARY(op)) {
      compute = 'f32';
      outDtype = isHalf(common) ? common : 'f32';
    } else {
      compute = isHalf(common) ? 'f32' : common === 'bool' && !COMPARE.has(op) ? 'i32' : common;
      outDtype = isHalf(common) ? common : compute;
    }
    if (COMPARE.has(op)) {
      outDtype = 'bool';
      if (compute === 'bool') compute = 'u32';
    }
  }
  const a2 = castRaw(a1, compute);
  const b2 = castRaw(b1, compute);
  if (a2 !== a1) temps.push(a2);
  if (b2 !== b1) temps.push(b2);
  const a3 = toRank(a2, outShape.length);
  const b3 = toRank(b2, outShape.length);
  if (a3 !== a2) temps.push(a3);
  if (b3 !== b2) temps.push(b3);
  const resultDtype = COMPARE.has(op) || LOGICAL.has(op) ? 'bool' : compute;
  let y = run1('binary', [a3, b3], { op }, { shape: outShape, dtype: resultDtype });
  if (outDtype !== resultDtype) {
    temps.push(y);
    y = castRaw(y, outDtype);
  }
  return cleanup(temps, [a0, b0], y);
}

function FLOAT_ONLY_BINARY(op: BinaryOp): boolean {
  return FLOAT_RESULT.has(op);
}

export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
/** True division: integer inputs give f32. */
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
export const eq = (a: TensorLike, b: TensorLike) => binary('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike) => binary('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike) => binary('lt', a, b);
export const le = (a: TensorLike, b: TensorLike) => binary('le', a, b);
export const gt = (a: TensorLike, b: TensorLike) => binary('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike) => binary('ge', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike) => binary('logicalAnd', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike) => binary('logicalOr', a, b);

/** min(max(x, lo), hi). */
export function clamp(x: Tensor, lo: TensorLike, hi: TensorLike): Tensor {
  const m = maximum(x, lo);
  const y = minimum(m, hi);
  m.dispose();
  return y;
}

/** cond ? a : b, broadcasting all three. */
export function where(cond: Tensor, a0: TensorLike, b0: TensorLike): Tensor {
  const like = a0 instanceof Tensor ? a0 : b0 instanceof Tensor ? b0 : cond;
  const temps: Tensor[] = [];
  // Numbers take the dtype of the other branch (f32 when both are numbers) and cond's device.
  const a1 = asTensor(a0, like === cond ? undefined : like, 'where', cond.device);
  const b1 = asTensor(b0, like === cond ? a1 : like, 'where', cond.device);
  if (a1 !== a0) temps.push(a1);
  if (b1 !== b0) temps.push(b1);
  const outShape = broadcastShapes('where', cond.shape, a1.shape, b1.shape);
  const common = promoteTypes(a1.dtype, b1.dtype);
  const compute = isHalf(common) ? 'f32' : common;
  const c = castRaw(cond, 'bool');
  const a2 = castRaw(a1, compute);
  const b2 = castRaw(b1, compute);
  for (const t of [c, a2, b2]) if (t !== cond && t !== a1 && t !== b1) temps.push(t);
  const [c3, a3, b3] = [c, a2, b2].map((t) => toRank(t, outShape.length)) as [Tensor, Tensor, Tensor];
  for (const [t3, t2] of [[c3, c], [a3, a2], [b3, b2]] as const) if (t3 !== t2) temps.push(t3);
  let y = run1('where', [c3, a3, b3], {}, { shape: outShape, dtype: compute });
  if (common !== compute) {
    temps.push(y);
    y = castRaw(y, common);
  }
  return cleanup(temps, [cond, a0, b0], y);
}

/** Converts dtype. Float -> int truncates toward zero and saturates; to bool is x != 0. Always a new tensor. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return reshapeRaw(x, x.shape);
  return castRaw(x, dtype);
}

/** True where x is neither NaN nor ±Infinity. */
export function isFinite(x: Tensor): Tensor {
  // x - x is 0 for finite x and NaN otherwise; NaN != NaN.
  const d = sub(x, x);
  const y = eq(d, d);
  d.dispose();
  return y;
}
