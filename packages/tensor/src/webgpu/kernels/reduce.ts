import { isHalf } from '../../dtype.js';
import type { OutSpec, TensorRef } from '../../backend.js';
import type { ArgReduceOp, ReduceOp } from '../../primitives.js';
import { stridesOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { CONSTS, I32_MAX, I32_MIN, Meta, NEG_INF, POS_INF, U32_MAX, WG, convert, deviceBytes, metaDecl, storageType, stridedOffsets } from './common.js';

type CT = 'f32' | 'i32' | 'u32';

function identity(op: ReduceOp, ct: CT): string {
  switch (op) {
    case 'sum':
      return `${ct}(0)`;
    case 'prod':
      return `${ct}(1)`;
    case 'max':
      return ct === 'f32' ? NEG_INF : ct === 'i32' ? I32_MIN : '0u';
    case 'min':
      return ct === 'f32' ? POS_INF : ct === 'i32' ? I32_MAX : U32_MAX;
  }
}

function combine(op: ReduceOp, a: string, b: string): string {
  switch (op) {
    case 'sum':
      return `(${a} + ${b})`;
    case 'prod':
      return `(${a} * ${b})`;
    case 'max':
      return `max(${a}, ${b})`;
    case 'min':
      return `min(${a}, ${b})`;
  }
}

/** Splits x's dims into kept and reduced (shape, strides) lists; detects a trailing contiguous block. */
function plan(shape: readonly number[], axes: number[]) {
  const st = stridesOf(shape);
  const red = new Set(axes);
  const kept = { shape: [] as number[], strides: [] as number[] };
  const rd = { shape: [] as number[], strides: [] as number[] };
  shape.forEach((d, i) => {
    const dst = red.has(i) ? rd : kept;
    dst.shape.push(d);
    dst.strides.push(st[i]!);
  });
  const R = rd.shape.reduce((p, d) => p * d, 1);
  const O = kept.shape.reduce((p, d) => p * d, 1);
  const trailing = axes.every((a) => a >= shape.length - axes.length);
  return { kept, rd, R, O, trailing };
}

/**
 * Reduction over arbitrary axes. Each output is reduced either by one invocation (short rows, many
 * outputs) or by one workgroup with a tree reduction in workgroup memory (long rows). The reduced axes are
 * walked by index math, so no transpose is materialised.
 */
export function reduce(rt: Runtime, x: TensorRef, op: ReduceOp, axes: number[], out: OutSpec): GPUStorage {
  if (isHalf(x.dtype) || isHalf(out.dtype)) throw new Error('webgpu reduce: f16 / bf16 must be cast to f32 first');
  const { kept, rd, R, O, trailing } = plan(x.shape, axes);
  const y = rt.createStorage(deviceBytes(out.dtype, O));
  if (O === 0) return y;
  const ct = storageType(x.dtype);
  const K = kept.shape.length;
  const Rr = rd.shape.length;
  // meta: O, R, keptShape[K], keptStrides[K], redShape[Rr], redStrides[Rr]
  const meta = new Meta().u32(O, R, ...kept.shape, ...kept.strides, ...rd.shape, ...rd.strides);
  const keptCode = trailing
    ? '  let base = o * m(1u);'
    : stridedOffsets('o', K, 2, [{ name: 'base', stridesAt: 2 + K }], 'o');
  const redOff = trailing
    ? '  let off = base + r;'
    : stridedOffsets('r', Rr, 2 + 2 * K, [{ name: 'off', stridesAt: 2 + 2 * K + Rr, init: 'base' }], 'r');
  const load = `${ct}(xs[off])`;
  // max / min start from the first reduced element (offset base): no -inf / +inf identity for a driver to
  // assume away. Only an empty reduction (R = 0) yields the identity itself.
  const firstInit = (op === 'max' || op === 'min') && R > 0;
  const init = firstInit ? `${ct}(xs[base])` : identity(op, ct);
  const serial = R <= 64 || (O >= 2048 && R <= 1024);
  const spec = `${trailing ? 'inner' : `k${K}r${Rr}`}${firstInit ? ':first' : ''}`;
  const header = `${CONSTS}
@group(0) @binding(0) var<storage, read> xs: array<${storageType(x.dtype)}>;
@group(0) @binding(1) var<storage, read_write> ys: array<${storageType(out.dtype)}>;
${metaDecl(2, meta.length)}`;
  if (serial) {
    rt.dispatch({
      key: `reduceSerial:${op}:${x.dtype}:${out.dtype}:${spec}`,
      code: () => `${header}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * (nwg.x * ${WG}u);
  if (o >= m(0u)) { return; }
${keptCode}
  var acc: ${ct} = ${init};
  for (var r = 0u; r < m(1u); r = r + 1u) {
${redOff}
    acc = ${combine(op, 'acc', load)};
  }
  ys[o] = ${convert('acc', ct, out.dtype)};
}`,
      bindings: [
        { storage: x.storage as GPUStorage, kind: 'read' },
        { storage: y, kind: 'write' },
      ],
      meta: meta.array(),
      workgroups: rt.grid(Math.ceil(O / WG)),
    });
    return y;
  }
  const wg = R >= 4096 ? 256 : 64;
  rt.dispatch({
    key: `reduceRow:${op}:${x.dtype}:${out.dtype}:${spec}:wg${wg}`,
    code: () => `${header}
var<workgroup> sh: array<${ct}, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= m(0u)) { return; }
${keptCode}
  var acc: ${ct} = ${init};
  for (var r = t; r < m(1u); r = r + ${wg}u) {
${redOff}
    acc = ${combine(op, 'acc', load)};
  }
  sh[t] = acc;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { sh[t] = ${combine(op, 'sh[t]', 'sh[t + s]')}; }
    workgroupBarrier();
  }
  if (t == 0u) { ys[o] = ${convert('sh[0]', ct, out.dtype)}; }
}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(O),
  });
  return y;
}

/** Index (i32) of the max/min along one axis; ties give the lowest index. */
export function argReduce(rt: Runtime, x: TensorRef, op: ArgReduceOp, axis: number, out: OutSpec): GPUStorage {
  if (isHalf(x.dtype)) throw new Error('webgpu argReduce: f16 / bf16 must be cast to f32 first');
  const { kept, R, O, trailing } = plan(x.shape, [axis]);
  const y = rt.createStorage(deviceBytes('i32', O));
  if (O === 0) return y;
  const ct = storageType(x.dtype);
  const K = kept.shape.length;
  const axisStride = stridesOf(x.shape)[axis]!;
  const meta = new Meta().u32(O, R, ...kept.shape, ...kept.strides, axisStride);
  const keptCode = trailing
    ? '  let base = o * m(1u);'
    : stridedOffsets('o', K, 2, [{ name: 'base', stridesAt: 2 + K }], 'o');
  const cmp = op === 'argmax' ? '>' : '<';
  const better = (v: string, k: string, bv: string, bk: string): string => `((${v} ${cmp} ${bv}) || (${v} == ${bv} && ${k} < ${bk}))`;
  const wg = 64;
  const serial = R <= 64 || (O >= 2048 && R <= 1024);
  const header = `
@group(0) @binding(0) var<storage, read> xs: array<${ct}>;
@group(0) @binding(1) var<storage, read_write> ys: array<i32>;
${metaDecl(2, meta.length)}`;
  const scan = (start: string, step: string): string => `  var bv: ${ct} = xs[base];
  var bk: u32 = ${U32_MAX};
  for (var k = ${start}; k < m(1u); k = k + ${step}) {
    let v = xs[base + k * m(${2 + 2 * K}u)];
    if (bk == ${U32_MAX} || ${better('v', 'k', 'bv', 'bk')}) { bv = v; bk = k; }
  }`;
  const spec = trailing ? 'inner' : `k${K}`;
  if (serial) {
    rt.dispatch({
      key: `argReduceSerial:${op}:${x.dtype}:${spec}`,
      code: () => `${header}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * (nwg.x * ${WG}u);
  if (o >= m(0u)) { return; }
${keptCode}
${scan('0u', '1u')}
  ys[o] = i32(bk);
}`,
      bindings: [
        { storage: x.storage as GPUStorage, kind: 'read' },
        { storage: y, kind: 'write' },
      ],
      meta: meta.array(),
      workgroups: rt.grid(Math.ceil(O / WG)),
    });
    return y;
  }
  rt.dispatch({
    key: `argReduceRow:${op}:${x.dtype}:${spec}`,
    code: () => `${header}
var<workgroup> shv: array<${ct}, ${wg}>;
var<workgroup> shk: array<u32, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= m(0u)) { return; }
${keptCode}
${scan('t', `${wg}u`)}
  shv[t] = bv; shk[t] = bk;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) {
      let v = shv[t + s]; let k = shk[t + s];
      if (k != ${U32_MAX} && (shk[t] == ${U32_MAX} || ${better('v', 'k', 'shv[t]', 'shk[t]')})) { shv[t] = v; shk[t] = k; }
    }
    workgroupBarrier();
  }
  if (t == 0u) { ys[o] = i32(shk[0]); }
}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(O),
  });
  return y;
}
