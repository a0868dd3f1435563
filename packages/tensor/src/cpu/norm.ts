import type { Kernel, TensorRef } from '../backend.js';
import { sigmoid } from './scalar.js';
import { CpuStorage, values } from './storage.js';

/** Optional affine inputs after x, in the order weight, bias. */
function affine(inputs: readonly TensorRef[], hasWeight: boolean, hasBias: boolean) {
  const w = hasWeight ? values(inputs[1]!) : null;
  const b = hasBias ? values(inputs[hasWeight ? 2 : 1]!) : null;
  return { w, b };
}

export const rmsNorm: Kernel<'rmsNorm'> = (inputs, { eps, hasWeight }) => {
  const x = inputs[0]!;
  const v = values(x);
  const { w } = affine(inputs, hasWeight, false);
  const D = x.shape[x.shape.length - 1]!;
  const y = new Float32Array(x.size);
  for (let o = 0; D > 0 && o < x.size; o += D) {
    let ss = 0;
    for (let j = 0; j < D; j++) ss += v[o + j]! * v[o + j]!;
    const inv = 1 / Math.sqrt(ss / D + eps);
    for (let j = 0; j < D; j++) y[o + j] = v[o + j]! * inv * (w ? w[j]! : 1);
  }
  return [new CpuStorage(y)];
};

/** Normalises `count` values starting at o (stride 1) in place into y, then applies a per-element affine. */
function normalise(v: ArrayLike<number>, y: Float32Array, o: number, count: number, eps: number, affineAt: (k: number) => [number, number]): void {
  let mean = 0;
  for (let k = 0; k < count; k++) mean += v[o + k]!;
  mean /= count;
  let variance = 0;
  for (let k = 0; k < count; k++) variance += (v[o + k]! - mean) ** 2;
  variance /= count;
  const inv = 1 / Math.sqrt(variance + eps);
  for (let k = 0; k < count; k++) {
    const [scale, shift] = affineAt(k);
    y[o + k] = (v[o + k]! - mean) * inv * scale + shift;
  }
}

export const layerNorm: Kernel<'layerNorm'> = (inputs, { eps, hasWeight, hasBias }) => {
  const x = inputs[0]!;
  const v = values(x);
  const { w, b } = affine(inputs, hasWeight, hasBias);
  const D = x.shape[x.shape.length - 1]!;
  const y = new Float32Array(x.size);
  for (let o = 0; D > 0 && o < x.size; o += D) normalise(v, y, o, D, eps, (k) => [w ? w[k]! : 1, b ? b[k]! : 0]);
  return [new CpuStorage(y)];
};

export const groupNorm: Kernel<'groupNorm'> = (inputs, { groups, eps, hasWeight, hasBias, silu }) => {
  const x = inputs[0]!;
  const v = values(x);
  const { w, b } = affine(inputs, hasWeight, hasBias);
  const [N, C] = x.shape as [number, number];
  const spatial = x.shape.slice(2).reduce((p, d) => p * d, 1);
  const perGroup = C / groups;
  const count = perGroup * spatial;
  const y = new Float32Array(x.size);
  for (let n = 0; count > 0 && n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const c0 = g * perGroup;
      normalise(v, y, (n * C + c0) * spatial, count, eps, (k) => {
        const c = c0 + Math.floor(k / spatial);
        return [w ? w[c]! : 1, b ? b[c]! : 0];
      });
    }
  }
  // silu of the rounded norm, as the unary silu computes it
  if (silu) for (let i = 0; i < y.length; i++) y[i] = y[i]! * sigmoid(y[i]!);
  return [new CpuStorage(y)];
};
