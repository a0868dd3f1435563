import { isHalf } from '../../dtype.js';
import type { OutSpec, TensorRef } from '../../backend.js';
import { sizeOf, stridesOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, deviceBytes, main1d, metaDecl, storageType, stridedOffsets } from './common.js';
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
 * Copy of x with values written ('set') or added ('add') at indices along axis; out-of-range indices are
 * skipped. Deterministic with duplicate indices: one invocation owns one line along the axis (one (outer, inner)
 * pair) and walks its indices in order, so 'add' sums in f32 in index order and 'set' keeps the last write, the
 * same bits on every run (float atomics would add in whatever order threads ran: a gather's gradient, and so a
 * training run, would differ between runs). The price is outer·inner-way parallelism with the indices of a line
 * walked serially.
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
  if (indices.size === 0) return y;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const lines = outer * inner;
  const meta = new Meta().u32(lines, indices.shape[axis]!, inner, x.shape[axis]!);
  const st = storageType(x.dtype);
  const wg = 64; // small workgroups: few lines (an embedding's gradient has one per model dimension) still spread over cores
  rt.dispatch({
    key: `putAlongAxis:${mode}:${x.dtype}`,
    code: () => `
@group(0) @binding(0) var<storage, read> ind: array<i32>;
@group(0) @binding(1) var<storage, read> vals: array<${st}>;
@group(0) @binding(2) var<storage, read_write> ys: array<${st}>;
${metaDecl(3, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let N = m(1u); let Q = m(2u); let A = m(3u);
  let p = i / Q; let q = i % Q;
  let src = p * N * Q + q; let dst = p * A * Q + q;
  for (var n = 0u; n < N; n++) {
    let e = src + n * Q;
    let idx = ind[e];
    if (idx < 0 || u32(idx) >= A) { continue; }
    let t = dst + u32(idx) * Q;
    ${mode === 'add' ? 'ys[t] = ys[t] + vals[e];' : 'ys[t] = vals[e];'}
  }`, wg)}`,
    bindings: [
      { storage: indices.storage as GPUStorage, kind: 'read' },
      { storage: values.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(lines / wg)),
  });
  return y;
}
