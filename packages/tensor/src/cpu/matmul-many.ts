import type { Kernel } from '../backend.js';
import { CpuStorage, values } from './storage.js';

/**
 * The grouped products of `matmulMany`, each a plain 2-D product accumulated in JS doubles. A sum rounds once, after
 * every product and the addend are added (the kernels round per pass; the difference is within f32 accumulation).
 */
export const matmulMany: Kernel<'matmulMany'> = (inputs, { group, count, transA, transB, hasAddend }, outs) => {
  const n = count;
  const left = (i: number) => inputs[group === 'sharedA' ? 0 : i]!;
  const right = (i: number) => inputs[group === 'sharedA' ? 1 + i : group === 'sharedB' ? n : n + i]!;
  const product = (i: number, acc: Float64Array, M: number, N: number) => {
    const a = left(i);
    const b = right(i);
    const K = transA ? a.shape[0]! : a.shape[1]!;
    const va = values(a);
    const vb = values(b);
    // a[m, k] at m*ams + k*aks; b[k, n] at k*bks + n*bns
    const [ams, aks] = transA ? [1, M] : [K, 1];
    const [bks, bns] = transB ? [1, K] : [N, 1];
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) {
        const av = va[m * ams + k * aks]!;
        for (let j = 0; j < N; j++) acc[m * N + j]! += av * vb[k * bks + j * bns]!;
      }
    }
  };
  if (group === 'sum') {
    const [M, N] = outs[0]!.shape as [number, number];
    const acc = new Float64Array(M * N);
    for (let i = 0; i < n; i++) product(i, acc, M, N);
    if (hasAddend) {
      const c = values(inputs[2 * n]!);
      for (let e = 0; e < acc.length; e++) acc[e]! += c[e]!;
    }
    return [new CpuStorage(Float32Array.from(acc))];
  }
  return outs.map((o, i) => {
    const [M, N] = o.shape as [number, number];
    const acc = new Float64Array(M * N);
    product(i, acc, M, N);
    return new CpuStorage(Float32Array.from(acc));
  });
};
