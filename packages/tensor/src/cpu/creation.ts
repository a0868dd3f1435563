import type { Kernel } from '../backend.js';
import { fromValues } from './storage.js';

export const fill: Kernel<'fill'> = (_i, { value }, [out]) => {
  const n = out!.shape.reduce((p, d) => p * d, 1);
  return [fromValues(out!.dtype, new Float64Array(n).fill(value))];
};

export const arange: Kernel<'arange'> = (_i, { start, step }, [out]) => {
  const n = out!.shape.reduce((p, d) => p * d, 1);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = start + i * step;
  return [fromValues(out!.dtype, r)];
};
