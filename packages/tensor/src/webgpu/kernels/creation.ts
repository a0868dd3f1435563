import { isFloat, isHalf, type DType } from '../../dtype.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { F16_FNS, Meta, WG, deviceBytes, f32ToHalfFn, main1d, metaDecl, storageType } from './common.js';
import { fillBits } from './layout.js';

/** A tensor of `size` elements all equal to `value` (one 32-bit pattern; f16 / bf16 pack two halves per word). */
export function fill(rt: Runtime, value: number, dtype: DType, size: number): GPUStorage {
  const y = rt.createStorage(deviceBytes(dtype, size));
  if (size === 0) return y;
  const bits = fillBits(rt.sentinel(value), dtype);
  const word = isHalf(dtype) ? (bits | (bits << 16)) >>> 0 : bits;
  const words = isHalf(dtype) ? Math.ceil(size / 2) : size;
  const meta = new Meta().u32(words, word);
  rt.dispatch({
    key: 'fill',
    code: () => `
@group(0) @binding(0) var<storage, read_write> ys: array<u32>;
${metaDecl(1, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  ys[i] = m(1u);`)}`,
    bindings: [{ storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(words / WG)),
  });
  return y;
}

/**
 * start + i * step. Integer dtypes compute in i32 (exact for integer start/step); floats compute in f32
 * (start + f32(i) * step, so it may differ from a float64 computation by an ulp or so).
 */
export function arange(rt: Runtime, start: number, step: number, dtype: DType, size: number): GPUStorage {
  const y = rt.createStorage(deviceBytes(dtype, size));
  if (size === 0) return y;
  const float = isFloat(dtype);
  const meta = new Meta().u32(size);
  if (float) meta.f32(start, step);
  else meta.i32(Math.trunc(start), Math.trunc(step));
  const value = (e: string): string => (float ? `(mf(1u) + f32(${e}) * mf(2u))` : `(mi(1u) + i32(${e}) * mi(2u))`);
  let body: string;
  let threads = size;
  if (isHalf(dtype)) {
    const enc = f32ToHalfFn(dtype);
    threads = Math.ceil(size / 2);
    body = `  if (i >= (m(0u) + 1u) / 2u) { return; }
  let e0 = 2u * i;
  var hi = 0u;
  if (e0 + 1u < m(0u)) { hi = ${enc}(${value('e0 + 1u')}); }
  ys[i] = ${enc}(${value('e0')}) | (hi << 16u);`;
  } else {
    const st = storageType(dtype);
    const v = value('i');
    const conv = dtype === 'bool' ? `select(0u, 1u, ${v} != 0i)` : dtype === 'u32' ? `bitcast<u32>(${v})` : v;
    body = `  if (i >= m(0u)) { return; }
  ys[i] = ${st === 'f32' || st === 'i32' ? v : conv};`;
  }
  rt.dispatch({
    key: `arange:${dtype}`,
    code: () => `${F16_FNS}
@group(0) @binding(0) var<storage, read_write> ys: array<${storageType(dtype)}>;
${metaDecl(1, meta.length)}
${main1d(body)}`,
    bindings: [{ storage: y, kind: 'write' }],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(threads / WG)),
  });
  return y;
}
