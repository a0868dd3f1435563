import type { Kernel, TensorRef } from '../backend.js';
import { CpuStorage, values } from './storage.js';

/** Calls fn(row offset) for every row of the last axis; returns the row length. */
function rows(x: TensorRef, fn: (offset: number, n: number) => void): void {
  const n = x.shape[x.shape.length - 1] ?? 1;
  if (n === 0) return;
  for (let o = 0; o < x.size; o += n) fn(o, n);
}

/** Max and Σ exp(x - max) of one row, in doubles. */
function rowStats(v: ArrayLike<number>, o: number, n: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, v[o + j]!);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(v[o + j]! - max);
  return { max, sum };
}

export const softmax: Kernel<'softmax'> = ([x]) => {
  const v = values(x!);
  const y = new Float32Array(x!.size);
  rows(x!, (o, n) => {
    const { max, sum } = rowStats(v, o, n);
    for (let j = 0; j < n; j++) y[o + j] = Math.exp(v[o + j]! - max) / sum;
  });
  return [new CpuStorage(y)];
};

export const logSoftmax: Kernel<'logSoftmax'> = ([x]) => {
  const v = values(x!);
  const y = new Float32Array(x!.size);
  rows(x!, (o, n) => {
    const { max, sum } = rowStats(v, o, n);
    const lse = max + Math.log(sum);
    for (let j = 0; j < n; j++) y[o + j] = v[o + j]! - lse;
  });
  return [new CpuStorage(y)];
};

/** logSumExp(row) - row[target]; ignored targets give 0, other out-of-range targets NaN. */
export const crossEntropy: Kernel<'crossEntropy'> = ([logits, targets], { ignoreIndex }) => {
  const v = values(logits!);
  const t = values(targets!);
  const R = logits!.shape[0]!;
  const V = logits!.shape[1]!;
  const loss = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    const target = t[r]!;
    if (target === ignoreIndex) continue;
    if (target < 0 || target >= V) {
      loss[r] = NaN;
      continue;
    }
    const { max, sum } = rowStats(v, r * V, V);
    loss[r] = max + Math.log(sum) - v[r * V + target]!;
  }
  return [new CpuStorage(loss)];
};
