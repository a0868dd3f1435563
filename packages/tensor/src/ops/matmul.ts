import { isFloat, isHalf } from '../dtype.js';
import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { castRaw, reshapeRaw, toRank } from './util.js';

export interface MatmulOptions {
  /** Use aᵀ (swap a's last two axes) without copying. */
  transA?: boolean;
  transB?: boolean;
  /**
   * Added to the product in the same kernel: y = op(a)·op(b) + addend. f32, exactly the result's shape (a residual
   * connection, or a gradient gathered elsewhere).
   */
  addend?: Tensor;
}

/**
 * Matrix product with numpy semantics: batch dims broadcast, a 1-D a is a row vector and a 1-D b
 * a column vector (that dim is dropped from the result). Integer inputs compute in f32. The result is f32; an f16 or
 * bf16 b is read in place (halving the memory of large weights) and accumulated in f32.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const temps: Tensor[] = [];
  let A = a;
  let B = b;
  const transA = !!opts.transA;
  const transB = !!opts.transB;
  if (A.rank === 0 || B.rank === 0) throw new TensorError('matmul', `scalars are not matrices: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  if (!isFloat(A.dtype)) temps.push((A = castRaw(A, 'f32')));
  if (!isFloat(B.dtype)) temps.push((B = castRaw(B, 'f32')));
  // An f16 / bf16 b (a half-precision weight) goes to the kernel as is: it is decoded as it is read, never copied to f32.
  if (isHalf(A.dtype)) temps.push((A = castRaw(A, 'f32')));
  const vecA = A.rank === 1;
  const vecB = B.rank === 1;
  if (vecA) temps.push((A = reshapeRaw(A, [1, A.shape[0]!])));
  if (vecB) temps.push((B = reshapeRaw(B, [B.shape[0]!, 1])));
  const ra = A.rank;
  const rb = B.rank;
  const M = transA ? A.shape[ra - 1]! : A.shape[ra - 2]!;
  const Ka = transA ? A.shape[ra - 2]! : A.shape[ra - 1]!;
  const Kb = transB ? B.shape[rb - 1]! : B.shape[rb - 2]!;
  const N = transB ? B.shape[rb - 2]! : B.shape[rb - 1]!;
  if (Ka !== Kb) {
    throw new TensorError('matmul', `inner dims differ: ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} x ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''}`);
  }
  const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
  const rank = batch.length + 2;
  const addend = opts.addend;
  if (addend) {
    const want = [...batch, ...(vecA ? [] : [M]), ...(vecB ? [] : [N])];
    if (addend.dtype !== 'f32' || addend.shape.join() !== want.join()) {
      throw new TensorError('matmul', `addend must be f32 of the result's shape ${fmtShape(want)}, got ${addend.dtype} ${fmtShape(addend.shape)}`);
    }
  }
  const params = { transA, transB, ...(addend ? { hasAddend: true } : {}) };
  let y: Tensor;
  if (!transA && batch.length > 0 && B.shape.slice(0, -2).every((d) => d === 1)) {
    // x [..., M, K] times one matrix (a linear layer): fold the batch into rows. One [batch·M, K] product instead
    // of a batch of small ones, and its gradient dB = (x as rows)ᵀ·ct is one deep product, not per-batch
    // partial products summed afterwards.
    const rows = reshapeRaw(A, [sizeOf(batch) * M, Ka]);
    const B2d = rb === 2 ? B : reshapeRaw(B, B.shape.slice(-2));
    temps.push(rows);
    if (B2d !== B) temps.push(B2d);
    const add2d = addend ? reshapeRaw(addend, [sizeOf(batch) * M, N]) : null;
    if (add2d) temps.push(add2d);
    const y2d = run1('matmul', [rows, B2d, ...(add2d ? [add2d] : [])], params, { shape: [sizeOf(batch) * M, N], dtype: 'f32' });
    temps.push(y2d);
    y = reshapeRaw(y2d, [...batch, M, N]);
  } else {
    const A2 = toRank(A, rank);
    const B2 = toRank(B, rank);
    if (A2 !== A) temps.push(A2);
    if (B2 !== B) temps.push(B2);
    const add = addend ? reshapeRaw(addend, [...batch, M, N]) : null;
    if (add) temps.push(add);
    y = run1('matmul', [A2, B2, ...(add ? [add] : [])], params, { shape: [...batch, M, N], dtype: 'f32' });
  }
  if (vecA || vecB) {
    const shape = [...batch, ...(vecA ? [] : [M]), ...(vecB ? [] : [N])];
    temps.push(y);
    y = reshapeRaw(y, shape);
  }
  for (const t of temps) if (t !== y) t.dispose();
  return y;
}
