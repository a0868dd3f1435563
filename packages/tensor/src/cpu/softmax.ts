import type { Kernel, TensorRef } from '../backend.js';
import { CpuStorage, values } from './storage.js';

/** Calls fn(row offset) for every row of the last axis; returns the row length. */
function rows(x: TensorRef, fn: (offset: number, n: number) => void): void {
  const n = x.shape[x.shape.length - 1] ?? 1;
  if (n === 0) return;
  for (let o = 0; o < x.size; o += n) fn(o, n);
}

/**
 * exp(x - max), with an entry equal to the row maximum counted as exactly 1 (so a row whose maximum is infinite,
 * e.g. every entry masked with -Infinity, is uniform over its maximal entries instead of NaN: the same answer
 * as with the finite sentinel -F32_MAX, and as the WebGPU kernels give).
 */
export function expShifted(x: number, max: number): number {
  return x === max ? 1 : Math.exp(x - max);
}

/** x - max, 0 for an entry equal to the maximum (see expShifted). */
export function shifted(x: number, max: number): number {
  return x === max ? 0 : x - max;
}

/** Max and Σ expShifted(x, max) of one row, in doubles. */
export function rowStats(v: ArrayLike<number>, o: number, n: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, v[o + j]!);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += expShifted(v[o + j]!, max);
  return { max, sum };
}

export const softmax: Kernel<'softmax'> = ([x]) => {
  const v = values(x!);
  const y = new Float32Array(x!.size);
  rows(x!, (o, n) => {
    const { max, sum } = rowStats(v, o, n);
    for (let j = 0; j < n; j++) y[o + j] = expShifted(v[o + j]!, max) / sum;
  });
  return [new CpuStorage(y)];
};

/** (x - max) - log(sum): never max + log(sum), whose rounding at large |max| would swamp log(sum). */
export const logSoftmax: Kernel<'logSoftmax'> = ([x]) => {
  const v = values(x!);
  const y = new Float32Array(x!.size);
  rows(x!, (o, n) => {
    const { max, sum } = rowStats(v, o, n);
    const ls = Math.log(sum);
    for (let j = 0; j < n; j++) y[o + j] = shifted(v[o + j]!, max) - ls;
  });
  return [new CpuStorage(y)];
};
