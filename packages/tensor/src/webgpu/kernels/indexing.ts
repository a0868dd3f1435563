import { isHalf } from '../../dtype.js';
import type { OutSpec, TensorRef } from '../../backend.js';
import { sizeOf, stridesOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, deviceBytes, main1d, metaDecl, storageType, stridedOffsets } from './common.js';
import { elementCopy } from './layout.js';

/** out = x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:]; out-of-range (or negative) indices read 0. */
export function gather(rt: Runtime, x: TensorRef, indices: TensorRef, axis: number, out: OutSpec): GPUStorage {
  const inner = sizeOf(x.shape.slice(axis + 1));
  const meta = new Meta().u32(inner, indices.size, x.shape[axis]!);
  const srcFn = `fn src(e: u32) -> i32 {
  let inner = m(2u); let J = m(3u); let A = m(4u);
  let nn = e % inner; let t = e / inner; let j = t % J; let o = t / J;
  let idx = ind[j];
  if (idx < 0 || u32(idx) >= A) { return -1; }
  return i32((o * A + u32(idx)) * inner + nn);
}`;
  return elementCopy(rt, {
    key: 'gather',
    x,
    extra: [{ storage: indices.storage as GPUStorage, name: 'ind', type: 'i32' }],
    out,
    meta,
    srcFn,
  });
}

/** y[..i..] = x[..indices[..i..]..] along axis; out-of-range indices read 0. */
export function takeAlongAxis(rt: Runtime, x: TensorRef, indices: TensorRef, axis: number, out: OutSpec): GPUStorage {
  const rank = x.shape.length;
  const xs = stridesOf(x.shape);
  const zeroed = xs.map((s, d) => (d === axis ? 0 : s));
  const meta = new Meta().u32(...indices.shape, ...zeroed, x.shape[axis]!, xs[axis]!);
  const srcFn = `fn src(e: u32) -> i32 {
${stridedOffsets('e', rank, 2, [{ name: 'off', stridesAt: 2 + rank }])}
  let idx = ind[e];
  if (idx < 0 || u32(idx) >= m(${2 + 2 * rank}u)) { return -1; }
  return i32(off + u32(idx) * m(${3 + 2 * rank}u));
}`;
  return elementCopy(rt, {
    key: `takeAlongAxis:r${rank}`,
    x,
    extra: [{ storage: indices.storage as GPUStorage, name: 'ind', type: 'i32' }],
    out,
    meta,
    srcFn,
  });
}

/**
 * Copy of x with values written ('set') or added ('add') at indices along axis. Out-of-range indices are
 * skipped. With duplicate indices 'set' keeps one of the values; 'add' adds all of them (f32 through a
 * compare-exchange loop on the bit pattern; the order of the additions is not deterministic).
 */
export function putAlongAxis(
  rt: Runtime,
  x: TensorRef,
  indices: TensorRef,
  values: TensorRef,
  axis: number,
  mode: 'set' | 'add',
  out: OutSpec,
): GPUStorage {
  if (isHalf(x.dtype)) throw new Error('webgpu putAlongAxis: f16 / bf16 must be cast to f32 first');
  const y = rt.createStorage(deviceBytes(out.dtype, x.size));
  if (x.size === 0) return y;
  rt.copy(x.storage as GPUStorage, y, deviceBytes(x.dtype, x.size));
  const n = indices.size;
  if (n === 0) return y;
  const rank = x.shape.length;
  const xs = stridesOf(x.shape);
  const zeroed = xs.map((s, d) => (d === axis ? 0 : s));
  const meta = new Meta().u32(n, ...indices.shape, ...zeroed, x.shape[axis]!, xs[axis]!);
  const st = storageType(x.dtype);
  let decl: string;
  let write: string;
  if (mode === 'set') {
    decl = `array<${st}>`;
    write = 'ys[t] = v;';
  } else if (st === 'f32') {
    decl = 'array<atomic<u32>>';
    write = `var old = atomicLoad(&ys[t]);
  loop {
    let r = atomicCompareExchangeWeak(&ys[t], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`;
  } else {
    decl = `array<atomic<${st}>>`;
    write = 'atomicAdd(&ys[t], v);';
  }
  rt.dispatch({
    key: `putAlongAxis:${mode}:${x.dtype}:r${rank}`,
    code: () => `
@group(0) @binding(0) var<storage, read> ind: array<i32>;
@group(0) @binding(1) var<storage, read> vals: array<${st}>;
@group(0) @binding(2) var<storage, read_write> ys: ${decl};
${metaDecl(3, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
${stridedOffsets('i', rank, 1, [{ name: 'off', stridesAt: 1 + rank }])}
  let idx = ind[i];
  if (idx < 0 || u32(idx) >= m(${1 + 2 * rank}u)) { return; }
  let t = off + u32(idx) * m(${2 + 2 * rank}u);
  let v = vals[i];
  ${write}`)}`,
    bindings: [
      { storage: indices.storage as GPUStorage, kind: 'read' },
      { storage: values.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / WG)),
  });
  return y;
}
