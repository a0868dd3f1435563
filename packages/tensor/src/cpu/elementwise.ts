import type { Kernel } from '../backend.js';
import { isFloat } from '../dtype.js';
import { broadcastStrides } from '../shape.js';
import { binaryFn, unaryFn } from './scalar.js';
import { CpuStorage, fromValues, values } from './storage.js';
import { forEachIndex } from './indexer.js';

export const unary: Kernel<'unary'> = ([x], { op }, [out]) => {
  const f = unaryFn(op, x!.dtype);
  const v = values(x!);
  const r = new Float64Array(x!.size);
  for (let i = 0; i < r.length; i++) r[i] = f(v[i]!);
  return [fromValues(out!.dtype, r)];
};

export const binary: Kernel<'binary'> = ([a, b], { op }, [out]) => {
  const f = binaryFn(op, a!.dtype);
  const va = values(a!);
  const vb = values(b!);
  const sa = broadcastStrides(a!.shape, out!.shape);
  const sb = broadcastStrides(b!.shape, out!.shape);
  const r = new Float64Array(out!.shape.reduce((p, d) => p * d, 1));
  forEachIndex(out!.shape, [sa, sb], (i, [ia, ib]) => {
    r[i] = f(va[ia!]!, vb[ib!]!);
  });
  return [fromValues(out!.dtype, r)];
};

export const where: Kernel<'where'> = ([c, a, b], _p, [out]) => {
  const vc = values(c!);
  const va = values(a!);
  const vb = values(b!);
  const strides = [c!, a!, b!].map((t) => broadcastStrides(t.shape, out!.shape));
  const r = new Float64Array(out!.shape.reduce((p, d) => p * d, 1));
  forEachIndex(out!.shape, strides, (i, [ic, ia, ib]) => {
    r[i] = vc[ic!] ? va[ia!]! : vb[ib!]!;
  });
  return [fromValues(out!.dtype, r)];
};

export const cast: Kernel<'cast'> = ([x], { dtype }) => {
  const v = values(x!);
  const r = new Float64Array(x!.size);
  // Float -> int truncates and saturates (WGSL semantics); i32 <-> u32 reinterpret the bits.
  const fromFloat = isFloat(x!.dtype);
  const [lo, hi] = dtype === 'u32' ? [0, 4294967295] : [-2147483648, 2147483647];
  for (let i = 0; i < r.length; i++) {
    const e = v[i]!;
    if ((dtype === 'i32' || dtype === 'u32') && fromFloat) r[i] = Number.isNaN(e) ? 0 : Math.min(hi, Math.max(lo, Math.trunc(e)));
    else if (dtype === 'u32') r[i] = e >>> 0;
    else if (dtype === 'i32') r[i] = e | 0;
    else r[i] = e;
  }
  return [fromValues(dtype, r)];
};

export { CpuStorage };
