import type { Kernel } from '../backend.js';
import { broadcastStrides } from '../shape.js';
import { CpuStorage, values } from './storage.js';
import { forEachIndex } from './indexer.js';

/** Batched matmul with broadcast batch dims; f32 accumulation in JS doubles; then + c (f32) when hasAddend. */
export const matmul: Kernel<'matmul'> = ([a, b, c], { transA, transB, hasAddend }, [out]) => {
  const ra = a!.shape.length;
  const M = out!.shape[ra - 2]!;
  const N = out!.shape[ra - 1]!;
  const K = transA ? a!.shape[ra - 2]! : a!.shape[ra - 1]!;
  const batchShape = out!.shape.slice(0, -2);
  const sa = broadcastStrides(a!.shape.slice(0, -2), batchShape).map((s) => s * a!.shape[ra - 2]! * a!.shape[ra - 1]!);
  const sb = broadcastStrides(b!.shape.slice(0, -2), batchShape).map((s) => s * b!.shape[ra - 2]! * b!.shape[ra - 1]!);
  const va = values(a!);
  const vb = values(b!);
  const r = new Float32Array(out!.shape.reduce((p, d) => p * d, 1));
  // a[m, k] at m*ams + k*aks; b[k, n] at k*bks + n*bns
  const [ams, aks] = transA ? [1, M] : [K, 1];
  const [bks, bns] = transB ? [1, K] : [N, 1];
  const row = new Float64Array(N);
  const addend = hasAddend ? values(c!) : null;
  forEachIndex(batchShape.length ? batchShape : [1], batchShape.length ? [sa, sb] : [[0], [0]], (bi, [oa, ob]) => {
    const base = bi * M * N;
    for (let m = 0; m < M; m++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = va[oa! + m * ams + k * aks]!;
        const bo = ob! + k * bks;
        for (let n = 0; n < N; n++) row[n]! += av * vb[bo + n * bns]!;
      }
      for (let n = 0; n < N; n++) r[base + m * N + n] = row[n]!;
      // the product is rounded to f32 first, as a matmul followed by an add
      if (addend) for (let n = 0; n < N; n++) r[base + m * N + n] = r[base + m * N + n]! + addend[base + m * N + n]!;
    }
  });
  return [new CpuStorage(r)];
};
