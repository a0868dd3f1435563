import type { OutSpec, TensorRef } from '../../backend.js';
import { broadcastStrides, sizeOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, metaDecl, stridedOffsets } from './common.js';
import { dotTiled } from './matmul.js';

const TM = 64;
const TN = 64;
const TK = 16;

/**
 * a f32 [..., M, K] (or transposed) times b f16 [..., K, N] (or transposed) -> f32, reading b's packed half
 * pairs in place (`unpack2x16float`, core WGSL: no `shader-f16` needed), so a half-precision weight never gets
 * an f32 copy. x · Wᵀ with K % 4 == 0 (the linear-layer case) goes to the f32 kernel's vec4 dot-product
 * variant, which reads 4 halves per load; the other layouts use the f32 kernel's baseline tiling: 64×64 tiles
 * staged in workgroup memory, 16×16 invocations of 4×4 outputs, f32 accumulation; batch dims broadcast through
 * strides.
 */
export function matmulF16Weight(rt: Runtime, a: TensorRef, b: TensorRef, transA: boolean, transB: boolean, out: OutSpec): GPUStorage {
  if (a.dtype !== 'f32' || b.dtype !== 'f16') throw new Error(`webgpu matmulF16Weight: needs f32 a and f16 b, got ${a.dtype} and ${b.dtype}`);
  const n = sizeOf(out.shape);
  const y = rt.createStorage(n * 4);
  if (n === 0) return y;
  const rank = out.shape.length;
  const M = out.shape[rank - 2]!;
  const N = out.shape[rank - 1]!;
  const K = transA ? a.shape[rank - 2]! : a.shape[rank - 1]!;
  const batchShape = out.shape.slice(0, rank - 2);
  const batch = sizeOf(batchShape);
  const br = batchShape.length;
  if (batch > rt.maxWorkgroupsPerDim) throw new Error(`webgpu matmul: batch ${batch} exceeds ${rt.maxWorkgroupsPerDim}`);
  const aBatch = broadcastStrides(a.shape.slice(0, rank - 2), batchShape).map((s) => s * M * K);
  const bBatch = broadcastStrides(b.shape.slice(0, rank - 2), batchShape).map((s) => s * K * N);
  const meta = new Meta().u32(M, N, K, ...batchShape, ...aBatch, ...bBatch);
  if (transB && !transA && K % 4 === 0) {
    // x · Wᵀ, the linear-layer case: the vec4 dot-product kernel, reading W's halves in place
    dotTiled(rt, a, b, y, meta, br, M, N, batch);
    return y;
  }
  const aIdx = transA ? '(k * M + mm)' : '(mm * K + k)';
  const bIdx = transB ? '(nn * K + k)' : '(k * N + nn)';
  rt.dispatch({
    key: `nn:matmulF16Weight:b${br}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`,
    code: () => `
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> Bh: array<u32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
${metaDecl(3, meta.length)}
var<workgroup> At: array<f32, ${TK * TM}>;
var<workgroup> Bt: array<f32, ${TK * TN}>;

fn loadB(e: u32) -> f32 { return unpack2x16float(Bh[e >> 1u])[e & 1u]; }

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
  var acc: array<vec4<f32>, 4>;
  for (var q = 0u; q < 4u; q = q + 1u) { acc[q] = vec4<f32>(0.0); }
  for (var k0 = 0u; k0 < K; k0 = k0 + ${TK}u) {
    for (var e = t; e < ${TK * TM}u; e = e + 256u) {
      let kk = e % ${TK}u; let r = e / ${TK}u;
      let mm = row0 + r; let k = k0 + kk;
      var v = 0.0;
      if (mm < M && k < K) { v = A[aOff + ${aIdx}]; }
      At[kk * ${TM}u + r] = v;
    }
    for (var e = t; e < ${TK * TN}u; e = e + 256u) {
      let c = e % ${TN}u; let kk = e / ${TN}u;
      let nn = col0 + c; let k = k0 + kk;
      var v = 0.0;
      if (nn < N && k < K) { v = loadB(bOff + ${bIdx}); }
      Bt[kk * ${TN}u + c] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TK}u; k = k + 1u) {
      let ab = k * ${TM}u + lid.y * 4u;
      let bb = k * ${TN}u + lid.x * 4u;
      let av = vec4<f32>(At[ab], At[ab + 1u], At[ab + 2u], At[ab + 3u]);
      let bv = vec4<f32>(Bt[bb], Bt[bb + 1u], Bt[bb + 2u], Bt[bb + 3u]);
      acc[0] = acc[0] + av.x * bv;
      acc[1] = acc[1] + av.y * bv;
      acc[2] = acc[2] + av.z * bv;
      acc[3] = acc[3] + av.w * bv;
    }
    workgroupBarrier();
  }
  let cOff = z * M * N;
  for (var q = 0u; q < 4u; q = q + 1u) {
    let r = row0 + lid.y * 4u + q;
    if (r < M) {
      for (var c = 0u; c < 4u; c = c + 1u) {
        let cc = col0 + lid.x * 4u + c;
        if (cc < N) { C[cOff + r * N + cc] = acc[q][c]; }
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
