import type { Kernel, TensorRef } from '../backend.js';
import { CpuStorage, fromValues, output, values } from './storage.js';
import { splitAt } from './indexer.js';

function raw(t: TensorRef) {
  return (t.storage as CpuStorage).data;
}

export const gather: Kernel<'gather'> = ([x, idx], { axis }, [out]) => {
  const [P, A, Q] = splitAt(x!.shape, axis);
  const ids = raw(idx!);
  const N = ids.length;
  const src = raw(x!);
  const dst = output(x!.dtype, P * N * Q);
  for (let p = 0; p < P; p++) {
    for (let n = 0; n < N; n++) {
      const a = ids[n]!;
      if (a < 0 || a >= A) continue; // out of range reads 0
      dst.set(src.subarray((p * A + a) * Q, (p * A + a + 1) * Q), (p * N + n) * Q);
    }
  }
  void out;
  return [new CpuStorage(dst)];
};

export const takeAlongAxis: Kernel<'takeAlongAxis'> = ([x, idx], { axis }) => {
  const [P, A, Q] = splitAt(x!.shape, axis);
  const N = idx!.shape[axis]!;
  const ids = raw(idx!);
  const src = raw(x!);
  const dst = output(x!.dtype, P * N * Q);
  for (let p = 0; p < P; p++)
    for (let n = 0; n < N; n++)
      for (let q = 0; q < Q; q++) {
        const a = ids[(p * N + n) * Q + q]!;
        if (a >= 0 && a < A) dst[(p * N + n) * Q + q] = src[(p * A + a) * Q + q]!;
      }
  return [new CpuStorage(dst)];
};

export const putAlongAxis: Kernel<'putAlongAxis'> = ([x, idx, v], { axis, mode }) => {
  const [P, A, Q] = splitAt(x!.shape, axis);
  const N = idx!.shape[axis]!;
  const ids = raw(idx!);
  if (mode === 'set') {
    const dst = raw(x!).slice();
    const src = raw(v!);
    for (let p = 0; p < P; p++)
      for (let n = 0; n < N; n++)
        for (let q = 0; q < Q; q++) {
          const a = ids[(p * N + n) * Q + q]!;
          if (a >= 0 && a < A) dst[(p * A + a) * Q + q] = src[(p * N + n) * Q + q]!;
        }
    return [new CpuStorage(dst)];
  }
  const acc = Float64Array.from(values(x!));
  const vals = values(v!);
  for (let p = 0; p < P; p++)
    for (let n = 0; n < N; n++)
      for (let q = 0; q < Q; q++) {
        const a = ids[(p * N + n) * Q + q]!;
        if (a >= 0 && a < A) acc[(p * A + a) * Q + q]! += vals[(p * N + n) * Q + q]!;
      }
  return [fromValues(x!.dtype, acc)];
};
