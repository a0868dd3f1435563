import type { Kernel } from '../backend.js';
import { CpuStorage, fromValues, values } from './storage.js';

/** Stable order of one row; NaN sorts as the largest value. */
function order(row: ArrayLike<number>, descending: boolean): number[] {
  const idx = Array.from({ length: row.length }, (_, i) => i);
  const key = (i: number) => (Number.isNaN(row[i]!) ? Infinity : row[i]!);
  idx.sort((i, j) => {
    const d = descending ? key(j) - key(i) : key(i) - key(j);
    return d !== 0 && !Number.isNaN(d) ? d : i - j;
  });
  return idx;
}

function sortRows(x: { shape: readonly number[]; dtype: string }, v: ArrayLike<number>, descending: boolean, k: number) {
  const N = x.shape[x.shape.length - 1] ?? 1;
  const rows = N === 0 ? 0 : v.length / N;
  const vals = new Float64Array(rows * k);
  const ids = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const row = Array.prototype.slice.call(v, r * N, (r + 1) * N) as number[];
    const o = order(row, descending);
    for (let j = 0; j < k; j++) {
      vals[r * k + j] = row[o[j]!]!;
      ids[r * k + j] = o[j]!;
    }
  }
  return { vals, ids };
}

export const sort: Kernel<'sort'> = ([x], { descending }, [out]) => {
  const N = x!.shape[x!.shape.length - 1]!;
  const { vals, ids } = sortRows(x!, values(x!), descending, N);
  return [fromValues(out!.dtype, vals), new CpuStorage(ids)];
};

export const topk: Kernel<'topk'> = ([x], { k }, [out]) => {
  const { vals, ids } = sortRows(x!, values(x!), true, k);
  return [fromValues(out!.dtype, vals), new CpuStorage(ids)];
};
