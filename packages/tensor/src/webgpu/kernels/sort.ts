import { isHalf } from '../../dtype.js';
import type { TensorRef } from '../../backend.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, deviceBytes, main1d, metaDecl, storageType } from './common.js';

const PAD = '0xffffffffu';

/** WGSL `before(va, ia, vb, ib)`: element a comes strictly before b (padding last, ties by index). */
function beforeFn(T: string, descending: boolean): string {
  return `fn before(va: ${T}, ia: u32, vb: ${T}, ib: u32) -> bool {
  if (ia == ${PAD}) { return false; }
  if (ib == ${PAD}) { return true; }
  if (va ${descending ? '>' : '<'} vb) { return true; }
  if (va == vb) { return ia < ib; }
  return false;
}`;
}

/** Largest padded row length sorted entirely in workgroup memory (value + index per element). */
function maxSharedRow(rt: Runtime): number {
  const limit = rt.device.limits.maxComputeWorkgroupStorageSize;
  let p = 1;
  while (p * 2 * 8 <= limit && p * 2 <= 4096) p *= 2;
  return p;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Sorts every row of the last axis (length L) and writes the first `keep` values and their i32 indices
 * (keep = L for sort, k for topk). Stable: ties keep index order. Rows up to a few thousand are bitonic-sorted
 * in workgroup memory, one workgroup per row; longer rows use a global-memory bitonic network
 * (one dispatch per stage: correct, not fast — a selection kernel for small k is the next step).
 */
export function sortRows(rt: Runtime, x: TensorRef, descending: boolean, keep: number): [GPUStorage, GPUStorage] {
  if (isHalf(x.dtype)) throw new Error('webgpu sort: f16 / bf16 must be cast to f32 first');
  const L = x.shape[x.shape.length - 1] ?? 1;
  const rows = L === 0 ? 0 : x.size / L;
  const values = rt.createStorage(deviceBytes(x.dtype, rows * keep));
  const indices = rt.createStorage(deviceBytes('i32', rows * keep));
  if (rows === 0 || keep === 0) return [values, indices];
  const T = storageType(x.dtype);
  const P = Math.max(2, nextPow2(L));
  const bindings = [
    { storage: x.storage as GPUStorage, kind: 'read' as const },
    { storage: values, kind: 'write' as const },
    { storage: indices, kind: 'write' as const },
  ];
  const header = `
@group(0) @binding(0) var<storage, read> xs: array<${T}>;
@group(0) @binding(1) var<storage, read_write> vs: array<${T}>;
@group(0) @binding(2) var<storage, read_write> ixs: array<i32>;`;
  if (P <= maxSharedRow(rt)) {
    const wg = Math.max(1, Math.min(WG, P / 2));
    const meta = new Meta().u32(rows, L, keep);
    rt.dispatch({
      key: `sortShared:${x.dtype}:${descending ? 'desc' : 'asc'}:P${P}`,
      code: () => `${header}
${metaDecl(3, meta.length)}
var<workgroup> kv: array<${T}, ${P}>;
var<workgroup> ki: array<u32, ${P}>;
${beforeFn(T, descending)}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= m(0u)) { return; }
  let L = m(1u);
  let base = row * L;
  for (var j = t; j < ${P}u; j = j + ${wg}u) {
    if (j < L) { kv[j] = xs[base + j]; ki[j] = j; } else { kv[j] = ${T}(0); ki[j] = ${PAD}; }
  }
  workgroupBarrier();
  for (var k = 2u; k <= ${P}u; k = k << 1u) {
    for (var j = k >> 1u; j > 0u; j = j >> 1u) {
      for (var p = t; p < ${P / 2}u; p = p + ${wg}u) {
        let i = (p / j) * 2u * j + (p % j);
        let l = i + j;
        let up = (i & k) == 0u;
        let vi = kv[i]; let ii = ki[i]; let vl = kv[l]; let il = ki[l];
        let sw = select(before(vi, ii, vl, il), before(vl, il, vi, ii), up);
        if (sw) { kv[i] = vl; ki[i] = il; kv[l] = vi; ki[l] = ii; }
      }
      workgroupBarrier();
    }
  }
  let keep = m(2u);
  for (var j = t; j < keep; j = j + ${wg}u) {
    vs[row * keep + j] = kv[j];
    ixs[row * keep + j] = i32(ki[j]);
  }
}`,
      bindings,
      meta: meta.array(),
      workgroups: rt.grid(rows),
    });
    return [values, indices];
  }

  // Global-memory bitonic network over rows x P.
  const total = rows * P;
  const kv = rt.createStorage(total * 4);
  const ki = rt.createStorage(total * 4);
  const scratch = `
@group(0) @binding(0) var<storage, read_write> kv: array<${T}>;
@group(0) @binding(1) var<storage, read_write> ki: array<u32>;`;
  const initMeta = new Meta().u32(total, L, P);
  rt.dispatch({
    key: `sortInit:${x.dtype}`,
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<${T}>;
@group(0) @binding(1) var<storage, read_write> kv: array<${T}>;
@group(0) @binding(2) var<storage, read_write> ki: array<u32>;
${metaDecl(3, initMeta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let L = m(1u); let P = m(2u);
  let row = i / P; let j = i % P;
  if (j < L) { kv[i] = xs[row * L + j]; ki[i] = j; } else { kv[i] = ${T}(0); ki[i] = ${PAD}; }`)}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: kv, kind: 'write' },
      { storage: ki, kind: 'write' },
    ],
    meta: initMeta.array(),
    workgroups: rt.grid(Math.ceil(total / WG)),
  });
  const pairs = total / 2;
  for (let k = 2; k <= P; k *= 2) {
    for (let j = k / 2; j > 0; j /= 2) {
      const meta = new Meta().u32(pairs, P / 2, k, j);
      rt.dispatch({
        key: `sortStep:${x.dtype}:${descending ? 'desc' : 'asc'}`,
        code: () => `${scratch}
${metaDecl(2, meta.length)}
${beforeFn(T, descending)}
${main1d(`  if (i >= m(0u)) { return; }
  let hp = m(1u); let k = m(2u); let j = m(3u);
  let row = i / hp; let p = i % hp;
  let li = (p / j) * 2u * j + (p % j);
  let a = row * hp * 2u + li;
  let b = a + j;
  let up = (li & k) == 0u;
  let va = kv[a]; let ia = ki[a]; let vb = kv[b]; let ib = ki[b];
  let sw = select(before(va, ia, vb, ib), before(vb, ib, va, ia), up);
  if (sw) { kv[a] = vb; ki[a] = ib; kv[b] = va; ki[b] = ia; }`)}`,
        bindings: [
          { storage: kv, kind: 'write' },
          { storage: ki, kind: 'write' },
        ],
        meta: meta.array(),
        workgroups: rt.grid(Math.ceil(pairs / WG)),
      });
    }
  }
  const outMeta = new Meta().u32(rows * keep, keep, P);
  rt.dispatch({
    key: `sortOut:${x.dtype}`,
    code: () => `
@group(0) @binding(0) var<storage, read> kv: array<${T}>;
@group(0) @binding(1) var<storage, read> ki: array<u32>;
@group(0) @binding(2) var<storage, read_write> vs: array<${T}>;
@group(0) @binding(3) var<storage, read_write> ixs: array<i32>;
${metaDecl(4, outMeta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let keep = m(1u); let P = m(2u);
  let src = (i / keep) * P + (i % keep);
  vs[i] = kv[src]; ixs[i] = i32(ki[src]);`)}`,
    bindings: [
      { storage: kv, kind: 'read' },
      { storage: ki, kind: 'read' },
      { storage: values, kind: 'write' },
      { storage: indices, kind: 'write' },
    ],
    meta: outMeta.array(),
    workgroups: rt.grid(Math.ceil((rows * keep) / WG)),
  });
  rt.release(kv);
  rt.release(ki);
  return [values, indices];
}
