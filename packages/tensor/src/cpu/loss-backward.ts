import type { Kernel } from '../backend.js';
import { CpuStorage, values } from './storage.js';
import { expShifted, rowStats } from './softmax.js';

/**
 * dlogits[r] = gradOut[r]·(softmax(logits[r]) − onehot(targets[r])), in doubles, one row at a time (the
 * probabilities of a row are never stored; ties at the maximum as in softmax.ts). Ignored rows are exactly 0;
 * other out-of-range targets give NaN.
 */
export const crossEntropyBackward: Kernel<'crossEntropyBackward'> = ([logits, targets, gradOut], { ignoreIndex }) => {
  const x = values(logits!);
  const t = values(targets!);
  const g = values(gradOut!);
  const [R, V] = logits!.shape as [number, number];
  const dx = new Float32Array(R * V);
  for (let r = 0; r < R; r++) {
    const target = t[r]!;
    if (target === ignoreIndex) continue;
    const o = r * V;
    if (target < 0 || target >= V) {
      dx.fill(NaN, o, o + V);
      continue;
    }
    const { max, sum } = rowStats(x, o, V);
    const gr = g[r]!;
    const inv = 1 / sum;
    for (let j = 0; j < V; j++) dx[o + j] = gr * (expShifted(x[o + j]!, max) * inv - (j === target ? 1 : 0));
  }
  return [new CpuStorage(dx)];
};
