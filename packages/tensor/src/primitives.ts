import type { DType } from './dtype.js';

/**
 * The primitive ops every backend implements and every autograd rule is written against.
 * Frontend ops (ops/*.ts) compute shapes, check arguments, and call these; composite ops
 * (clamp, logSumExp, ...) are built from them and need no rule of their own.
 */
export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu'
  | 'square' | 'reciprocal' | 'sign' | 'floor' | 'round' | 'logicalNot' | 'erf'
  | 'silu' | 'geluTanh' | 'geluErf'
  /** u32 random bits -> f32 uniform in [0, 1) using the top 23 bits (exactly the same on every device). */
  | 'bitsToUnit';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr';

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']);

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

/** Parameters of each primitive. Inputs/outputs are described in the comment of each entry. */
export interface PrimitiveParams {
  /** x -> y, same shape. dtype: see ops/elementwise.ts. */
  unary: { op: UnaryOp };
  /** a, b (same dtype, broadcastable, same rank) -> y of the broadcast shape; comparisons give bool. */
  binary: { op: BinaryOp };
  /** cond (bool), a, b (same dtype), all broadcastable, same rank -> y. */
  where: Record<string, never>;
  /** x -> y of another dtype. Float -> int truncates toward zero; bool is x != 0. */
  cast: { dtype: DType };
  /** x -> y with the reduced axes kept as size 1. */
  reduce: { op: ReduceOp; axes: number[] };
  /** x -> i32 index along axis, kept as size 1. Ties: the lowest index. */
  argReduce: { op: ArgReduceOp; axis: number };
  /** a [..., M, K] (or [..., K, M] if transA), b [..., K, N] (or [..., N, K] if transB), same rank, batch dims broadcast. */
  matmul: { transA: boolean; transB: boolean };
  /** No kernel: the output shares the input's storage. */
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  /** y = x[begin_i : begin_i + size_i] on every axis (out shape = size). */
  slice: { begin: number[]; size: number[] };
  /** x (same rank as shape, 1s broadcast) -> y of shape. */
  broadcastTo: { shape: number[] };
  /** constant padding: out dim i = before_i + x_i + after_i. */
  pad: { before: number[]; after: number[]; value: number };
  /** inputs equal but on axis -> y. */
  concat: { axis: number };
  /** x, indices (i32, any shape) -> x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]. Out-of-range reads 0. */
  gather: { axis: number };
  /** x, indices (i32, same rank as x, equal off axis) -> y of indices' shape: y[..i..] = x[..indices[..i..]..]. */
  takeAlongAxis: { axis: number };
  /** x, indices, values (indices' shape) -> copy of x with values written ('set') or added ('add') at indices. */
  putAlongAxis: { axis: number; mode: 'set' | 'add' };
  /** x -> values, indices (i32) sorted along the last axis; stable (ties keep index order). */
  sort: { descending: boolean };
  /** x -> values [..., k], indices [..., k] (i32): the k largest along the last axis, ties lower index first. */
  topk: { k: number };
  /** () -> u32 bits of the counter-based generator for `key`, bits[i] = threefry2x32(key, i). */
  randomBits: { key: readonly [number, number] };
  /** () -> tensor filled with value. */
  fill: { value: number };
  /** () -> start + i * step. */
  arange: { start: number; step: number };
}

export type PrimitiveName = keyof PrimitiveParams;
