import type { Kernel } from '../backend.js';
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
