import type { OutSpec, TensorRef } from '../../backend.js';
import { broadcastStrides, sizeOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, deviceBytes, metaDecl, storageType, stridedOffsets } from './common.js';

/** Output tile per workgroup (TM x TN), K step staged in workgroup memory, 16x16 invocations of 4x4 outputs. */
const TM = 64;
const TN = 64;
const TK = 16;

/**
 * Batched matmul with broadcast batch dims (read through strides, never materialised) and transposed
 * operands read in place. Tiles of A and B are staged through workgroup memory as vec4s; each invocation
 * accumulates a 4x4 register block (f32 accumulation for f32). This is the correct baseline; faster
 * variants (small-M, split-K, subgroup sharing, f16 weights) slot in beside it, chosen by shape.
 */
export function matmul(rt: Runtime, a: TensorRef, b: TensorRef, transA: boolean, transB: boolean, out: OutSpec): GPUStorage {
  if (a.dtype === 'f16' || b.dtype === 'f16' || a.dtype === 'bool') throw new Error('webgpu matmul: f16/bool must be cast first');
  const n = sizeOf(out.shape);
  const y = rt.createStorage(deviceBytes(out.dtype, n));
  if (n === 0) return y;
  const rank = out.shape.length;
  const M = out.shape[rank - 2]!;
  const N = out.shape[rank - 1]!;
  const K = transA ? a.shape[rank - 2]! : a.shape[rank - 1]!;
  const batchShape = out.shape.slice(0, rank - 2);
  const batch = sizeOf(batchShape);
  const br = batchShape.length;
  // Batch strides in elements of each operand's matrix (M*K / K*N), 0 on broadcast dims.
  const aBatch = broadcastStrides(a.shape.slice(0, rank - 2), batchShape).map((s) => s * M * K);
  const bBatch = broadcastStrides(b.shape.slice(0, rank - 2), batchShape).map((s) => s * K * N);
  const meta = new Meta().u32(M, N, K, ...batchShape, ...aBatch, ...bBatch);
  const T = storageType(a.dtype);
  const aIdx = transA ? '(k * M + m)' : '(m * K + k)';
  const bIdx = transB ? '(nn * K + k)' : '(k * N + nn)';
  if (batch > rt.maxWorkgroupsPerDim) throw new Error(`webgpu matmul: batch ${batch} exceeds ${rt.maxWorkgroupsPerDim}`);
  if (!transB && N % 4 === 0 && T === 'f32' && out.dtype === 'f32') {
    registerTiled(rt, a, b, y, transA, meta, br, M, N, batch);
    return y;
  }
  if (transB && !transA && K % 4 === 0 && T === 'f32' && out.dtype === 'f32') {
    dotTiled(rt, a, b, y, meta, br, M, N, batch);
    return y;
  }
  rt.dispatch({
    key: `matmul:${a.dtype}:${out.dtype}:b${br}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`,
    code: () => `
@group(0) @binding(0) var<storage, read> A: array<${T}>;
@group(0) @binding(1) var<storage, read> B: array<${T}>;
@group(0) @binding(2) var<storage, read_write> C: array<${storageType(out.dtype)}>;
${metaDecl(3, meta.length)}
var<workgroup> As: array<vec4<${T}>, ${TK * (TM / 4)}>;
var<workgroup> Bs: array<vec4<${T}>, ${TK * (TN / 4)}>;

fn loadA(aOff: u32, m: u32, k: u32, M: u32, K: u32) -> ${T} {
  if (m < M && k < K) { return A[aOff + ${aIdx}]; }
  return ${T}(0);
}
fn loadB(bOff: u32, k: u32, nn: u32, K: u32, N: u32) -> ${T} {
  if (k < K && nn < N) { return B[bOff + ${bIdx}]; }
  return ${T}(0);
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let M = m(0u); let N = m(1u); let K = m(2u);
  let z = wid.z;
${stridedOffsets('z', br, 3, [
  { name: 'aOff', stridesAt: 3 + br },
  { name: 'bOff', stridesAt: 3 + 2 * br },
])}
  let row0 = wid.y * ${TM}u;
  let col0 = wid.x * ${TN}u;
  let tx = lid.x; let ty = lid.y;
  var acc: array<vec4<${T}>, 4>;
  for (var q = 0u; q < 4u; q = q + 1u) { acc[q] = vec4<${T}>(${T}(0)); }
  // Loader roles: A as (k = t % 16, 4 rows at group t / 16); B as (4 cols at group t % 16, k = t / 16).
  let ak = t % ${TK}u; let ag = t / ${TK}u;
  let bg = t % ${TN / 4}u; let bk = t / ${TN / 4}u;
  for (var k0 = 0u; k0 < K; k0 = k0 + ${TK}u) {
    let am = row0 + ag * 4u;
    As[ak * ${TM / 4}u + ag] = vec4<${T}>(
      loadA(aOff, am, k0 + ak, M, K), loadA(aOff, am + 1u, k0 + ak, M, K),
      loadA(aOff, am + 2u, k0 + ak, M, K), loadA(aOff, am + 3u, k0 + ak, M, K));
    let bn = col0 + bg * 4u;
    Bs[bk * ${TN / 4}u + bg] = vec4<${T}>(
      loadB(bOff, k0 + bk, bn, K, N), loadB(bOff, k0 + bk, bn + 1u, K, N),
      loadB(bOff, k0 + bk, bn + 2u, K, N), loadB(bOff, k0 + bk, bn + 3u, K, N));
    workgroupBarrier();
    for (var k = 0u; k < ${TK}u; k = k + 1u) {
      let av = As[k * ${TM / 4}u + ty];
      let bv = Bs[k * ${TN / 4}u + tx];
      acc[0] = acc[0] + av.x * bv;
      acc[1] = acc[1] + av.y * bv;
      acc[2] = acc[2] + av.z * bv;
      acc[3] = acc[3] + av.w * bv;
    }
    workgroupBarrier();
  }
  let cOff = z * M * N;
  for (var q = 0u; q < 4u; q = q + 1u) {
    let r = row0 + ty * 4u + q;
    if (r < M) {
      for (var c = 0u; c < 4u; c = c + 1u) {
        let cc = col0 + tx * 4u + c;
        if (cc < N) { C[cOff + r * N + cc] = ${out.dtype === a.dtype ? 'acc[q][c]' : `${storageType(out.dtype)}(acc[q][c])`}; }
      }
    }
  }
}`,
    bindings: [
      { storage: a.storage as GPUStorage, kind: 'read' },
      { storage: b.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: [Math.ceil(N / TN), Math.ceil(M / TM), batch],
  });
  return y;
}

/**
 * Register-tiled variant (no workgroup memory): each invocation computes a 4 x 8 block, reading B as vec4
 * (needs N % 4 == 0, B not transposed) and A as scalars. On lavapipe the cost tracks loads per FMA, and
 * this shape beats the staged kernel (see DESIGN platform facts). A variant sharing A across the 8-lane
 * subgroup (each lane loads one k of the next 8, `subgroupBroadcast` hands it to all) measured 1.3-2x slower
 * on lavapipe 25.0.7, so it is not used.
 */
function registerTiled(rt: Runtime, a: TensorRef, b: TensorRef, y: GPUStorage, transA: boolean, meta: Meta, br: number, M: number, N: number, batch: number): void {
  const aIdx = (r: string): string => (transA ? `aOff + k * M + ${r}` : `aOff + ${r} * K + k`);
  rt.dispatch({
    key: `matmulRT:${transA ? 'T' : 'N'}:b${br}`,
    code: () => `
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> C: array<vec4<f32>>;
${metaDecl(3, meta.length)}
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = m(0u); let N = m(1u); let K = m(2u); let N4 = N / 4u;
  let z = gid.z;
${stridedOffsets('z', br, 3, [
  { name: 'aOff', stridesAt: 3 + br },
  { name: 'bOff', stridesAt: 3 + 2 * br },
])}
  let c0 = gid.x * 2u;
  let row0 = gid.y * 4u;
  if (c0 >= N4 || row0 >= M) { return; }
  let c1 = min(c0 + 1u, N4 - 1u);
  let r1 = min(row0 + 1u, M - 1u); let r2 = min(row0 + 2u, M - 1u); let r3 = min(row0 + 3u, M - 1u);
  let b4 = bOff / 4u;
  var acc0 = array<vec4<f32>, 4>();
  var acc1 = array<vec4<f32>, 4>();
  for (var k = 0u; k < K; k = k + 1u) {
    let bv0 = B[b4 + k * N4 + c0];
    let bv1 = B[b4 + k * N4 + c1];
    let a0 = A[${aIdx('row0')}]; let a1 = A[${aIdx('r1')}]; let a2 = A[${aIdx('r2')}]; let a3 = A[${aIdx('r3')}];
    acc0[0] = fma(vec4<f32>(a0), bv0, acc0[0]); acc1[0] = fma(vec4<f32>(a0), bv1, acc1[0]);
    acc0[1] = fma(vec4<f32>(a1), bv0, acc0[1]); acc1[1] = fma(vec4<f32>(a1), bv1, acc1[1]);
    acc0[2] = fma(vec4<f32>(a2), bv0, acc0[2]); acc1[2] = fma(vec4<f32>(a2), bv1, acc1[2]);
    acc0[3] = fma(vec4<f32>(a3), bv0, acc0[3]); acc1[3] = fma(vec4<f32>(a3), bv1, acc1[3]);
  }
  let cOff = z * M * N4;
  for (var q = 0u; q < 4u; q = q + 1u) {
    let r = row0 + q;
    if (r < M) {
      C[cOff + r * N4 + c0] = acc0[q];
      if (c0 + 1u < N4) { C[cOff + r * N4 + c0 + 1u] = acc1[q]; }
    }
  }
}`,
    bindings: [
      { storage: a.storage as GPUStorage, kind: 'read' },
      { storage: b.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: [Math.ceil(N / 4 / 2 / 8), Math.ceil(M / 4 / 8), batch],
  });
}

/**
 * a · bᵀ with both operands read along K as vec4 (needs K % 4 == 0): the linear-layer case x · Wᵀ with W [out, in],
 * read in place. Each invocation computes an R x 4 block: per 4 steps of K it loads R vec4 of A rows and 4 of B
 * rows and accumulates 4R dot products (R = 8: 128 FMAs per 12 loads). Measured on lavapipe (transB 512): R = 8
 * 41 ms, 4 x 4 46 ms, 4 x 8 54 ms, vec4-FMA accumulators (summed at the end) 54-61 ms. Small M (matrix-vector
 * products, e.g. one token through a linear layer) uses R = M rounded up to a power of two, so no row is
 * computed redundantly and each B row is read once per 4 outputs.
 */
export function dotTiled(rt: Runtime, a: TensorRef, b: TensorRef, y: GPUStorage, meta: Meta, br: number, M: number, N: number, batch: number): void {
  const R = M >= 8 ? 8 : M >= 4 ? 4 : M >= 2 ? 2 : 1;
  // An f16 b (packed pairs) is read as vec2<u32> = 4 halves and unpacked in registers, never copied to f32.
  const h = b.dtype === 'f16';
  const rows = [...Array(R).keys()];
  const cols = [0, 1, 2, 3];
  rt.dispatch({
    key: `matmulDT:b${br}:R${R}${h ? ':f16' : ''}`,
    code: () => `
@group(0) @binding(0) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> B: array<${h ? 'vec2<u32>' : 'vec4<f32>'}>;
@group(0) @binding(2) var<storage, read_write> Cm: array<f32>;
${metaDecl(3, meta.length)}
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = m(0u); let N = m(1u); let K = m(2u); let K4 = K / 4u;
  let z = gid.z;
${stridedOffsets('z', br, 3, [
  { name: 'aOff', stridesAt: 3 + br },
  { name: 'bOff', stridesAt: 3 + 2 * br },
])}
  let col0 = gid.x * 4u;
  let row0 = gid.y * ${R}u;
  if (col0 >= N || row0 >= M) { return; }
${rows.map((r) => `  let ra${r} = aOff / 4u + min(row0 + ${r}u, M - 1u) * K4;`).join('\n')}
${cols.map((c) => `  let rb${c} = bOff / 4u + min(col0 + ${c}u, N - 1u) * K4;`).join('\n')}
${rows.map((r) => `  var acc${r} = vec4<f32>(0.0);`).join('\n')}
  for (var k = 0u; k < K4; k = k + 1u) {
${cols.map((c) => (h ? `    let h${c} = B[rb${c} + k]; let b${c} = vec4<f32>(unpack2x16float(h${c}.x), unpack2x16float(h${c}.y));` : `    let b${c} = B[rb${c} + k];`)).join('\n')}
${rows.map((r) => `    { let av = A[ra${r} + k]; acc${r} = acc${r} + vec4<f32>(dot(av, b0), dot(av, b1), dot(av, b2), dot(av, b3)); }`).join('\n')}
  }
  let cOff = z * M * N;
${rows
  .map(
    (r) => `  if (row0 + ${r}u < M) {
${cols.map((c) => `    if (col0 + ${c}u < N) { Cm[cOff + (row0 + ${r}u) * N + col0 + ${c}u] = acc${r}[${c}]; }`).join('\n')}
  }`,
  )
  .join('\n')}
}`,
    bindings: [
      { storage: a.storage as GPUStorage, kind: 'read' },
      { storage: b.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: [Math.ceil(N / 4 / 8), Math.ceil(M / R / 8), batch],
  });
}
