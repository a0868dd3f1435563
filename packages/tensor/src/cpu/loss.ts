import type { Kernel } from '../backend.js';
import { CpuStorage, values } from './storage.js';
import { rowStats, shifted } from './softmax.js';

/** log(sum) - (row[target] - max), minus logSoftmax's value; ignored targets give 0, other out-of-range targets NaN. */
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
    loss[r] = Math.log(sum) - shifted(v[r * V + target]!, max);
  }
  return [new CpuStorage(loss)];
};
