import type { Kernel } from '../backend.js';
import { sigmoid } from './scalar.js';
import { CpuStorage, values } from './storage.js';

/** rmsNorm's backward one row at a time in doubles: dx = r·(g − x̂·mean(g·x̂)) (+ addend, in f32), dwRows = gradOut·x̂. */
export const rmsNormBackward: Kernel<'rmsNormBackward'> = (inputs, { eps, hasWeight, hasAddend }) => {
  const x = values(inputs[0]!);
  const w = hasWeight ? values(inputs[1]!) : null;
  const ct = values(inputs[hasWeight ? 2 : 1]!);
  const addend = hasAddend ? values(inputs[hasWeight ? 3 : 2]!) : null;
  const shape = inputs[0]!.shape;
  const D = shape[shape.length - 1] ?? 1;
  const rows = D === 0 ? 0 : x.length / D;
  const dx = new Float32Array(x.length);
  const dw = hasWeight ? new Float32Array(x.length) : null;
  for (let row = 0; row < rows; row++) {
    const o = row * D;
    let ss = 0;
    for (let j = 0; j < D; j++) ss += x[o + j]! * x[o + j]!;
    const r = 1 / Math.sqrt(ss / D + eps);
    let dot = 0;
    for (let j = 0; j < D; j++) dot += ct[o + j]! * (w ? w[j]! : 1) * x[o + j]! * r;
    const meanDot = dot / D;
    for (let j = 0; j < D; j++) {
      const xhat = x[o + j]! * r;
      dx[o + j] = r * (ct[o + j]! * (w ? w[j]! : 1) - xhat * meanDot);
      if (addend) dx[o + j] = dx[o + j]! + addend[o + j]!;
      if (dw) dw[o + j] = ct[o + j]! * xhat;
    }
  }
  return dw ? [new CpuStorage(dx), new CpuStorage(dw)] : [new CpuStorage(dx)];
};

/**
 * groupNorm's backward one (image, group) block at a time in doubles, the statistics as the forward takes them
 * (+ addend, in f32); the weight's and bias's gradients accumulated in doubles over every image. With silu, gradOut
 * is first multiplied by silu'(y), y = x̂·weight + bias in doubles.
 */
export const groupNormBackward: Kernel<'groupNormBackward'> = (inputs, { groups, eps, hasWeight, hasBias, hasAddend, silu }) => {
  let i = 0;
  const x = values(inputs[i++]!);
  const w = hasWeight ? values(inputs[i++]!) : null;
  const bias = silu && hasBias ? values(inputs[i++]!) : null;
  const gradOut = values(inputs[i++]!);
  const addend = hasAddend ? values(inputs[i++]!) : null;
  const shape = inputs[0]!.shape;
  const [N, C] = [shape[0]!, shape[1]!];
  const S = shape.slice(2).reduce((a, b) => a * b, 1);
  const cg = C / groups;
  const n = cg * S;
  const dx = new Float32Array(x.length);
  const dw = new Float64Array(C);
  const db = new Float64Array(C);
  for (let b = 0; b < N; b++)
    for (let g = 0; g < groups; g++) {
      const o = (b * C + g * cg) * S;
      let s = 0;
      for (let j = 0; j < n; j++) s += x[o + j]!;
      const mean = s / n;
      let sv = 0;
      for (let j = 0; j < n; j++) sv += (x[o + j]! - mean) ** 2;
      const r = 1 / Math.sqrt(sv / n + eps);
      const ct = silu ? siluGrad(x, gradOut, o, n, mean, r, S, g * cg, w, bias) : Float64Array.from({ length: n }, (_, j) => gradOut[o + j]!);
      const gw = (j: number) => ct[j]! * (w ? w[g * cg + Math.floor(j / S)]! : 1);
      let sg = 0;
      let sgx = 0;
      for (let j = 0; j < n; j++) {
        sg += gw(j);
        sgx += gw(j) * (x[o + j]! - mean) * r;
      }
      for (let j = 0; j < n; j++) {
        const xhat = (x[o + j]! - mean) * r;
        dx[o + j] = r * (gw(j) - sg / n - xhat * (sgx / n));
        if (addend) dx[o + j] = dx[o + j]! + addend[o + j]!;
        const c = g * cg + Math.floor(j / S);
        dw[c] = dw[c]! + ct[j]! * xhat;
        db[c] = db[c]! + ct[j]!;
      }
    }
  return [new CpuStorage(dx), ...(hasWeight ? [new CpuStorage(Float32Array.from(dw))] : []), ...(hasBias ? [new CpuStorage(Float32Array.from(db))] : [])];
};

/** gradOut·silu'(y) over one block (n elements at o, channels of S from c0), y = (x − mean)·r·weight + bias. */
function siluGrad(x: ArrayLike<number>, gradOut: ArrayLike<number>, o: number, n: number, mean: number, r: number, S: number, c0: number, w: ArrayLike<number> | null, b: ArrayLike<number> | null): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const c = c0 + Math.floor(j / S);
    const y = (x[o + j]! - mean) * r * (w ? w[c]! : 1) + (b ? b[c]! : 0);
    const s = sigmoid(y);
    out[j] = gradOut[o + j]! * s * (1 + y * (1 - s));
  }
  return out;
}
