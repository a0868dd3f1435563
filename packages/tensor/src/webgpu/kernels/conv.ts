import type { TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, metaDecl } from './common.js';

const TM = 64;
const TN = 64;
const TK = 16;

/**
 * conv2d as an implicit GEMM: out[o, col] = Σ_k w[o, k] · patch[k, col] with k = (c, u, v) and
 * col = (n, i, j). The weight [O, C·kh·kw] is already a row-major matrix; the im2col patch matrix is never
 * stored — the loader computes each element's source pixel (or the zero padding) as it stages a tile in
 * workgroup memory. 64×64 output tiles, 16×16 invocations of 4×4 outputs, bias added in the epilogue.
 */
export function conv2d(rt: Runtime, x: TensorRef, w: TensorRef, bias: TensorRef | null, p: PrimitiveParams['conv2d'], outShape: readonly number[]): GPUStorage {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const [, , Ho, Wo] = outShape as [number, number, number, number];
  const cols = N * Ho * Wo;
  const K = C * KH * KW;
  const y = rt.createStorage(O * cols * 4);
  if (O * cols === 0) return y;
  const meta = new Meta().u32(O, cols, K, H, W, KH, KW, Ho, Wo, p.stride[0], p.stride[1], p.dilation[0], p.dilation[1]).i32(p.padding[0], p.padding[2]);
  const hasBias = !!bias;
  rt.dispatch({
    key: `nn:conv2d:${hasBias ? 'b' : ''}`,
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read> ws: array<f32>;
${hasBias ? '@group(0) @binding(2) var<storage, read> bs: array<f32>;' : ''}
@group(0) @binding(${hasBias ? 3 : 2}) var<storage, read_write> ys: array<f32>;
${metaDecl(hasBias ? 4 : 3, meta.length)}
var<workgroup> At: array<f32, ${TK * TM}>;
var<workgroup> Bt: array<f32, ${TK * TN}>;

fn patchAt(k: u32, col: u32) -> f32 {
  if (k >= m(2u) || col >= m(1u)) { return 0.0; }
  let H = m(3u); let W = m(4u); let KH = m(5u); let KW = m(6u); let Ho = m(7u); let Wo = m(8u);
  let c = k / (KH * KW); let r = k % (KH * KW);
  let u = r / KW; let v = r % KW;
  let n = col / (Ho * Wo); let pix = col % (Ho * Wo);
  let i = pix / Wo; let j = pix % Wo;
  let yy = i32(i * m(9u) + u * m(11u)) - mi(13u);
  let xx = i32(j * m(10u) + v * m(12u)) - mi(14u);
  if (yy < 0 || xx < 0 || u32(yy) >= H || u32(xx) >= W) { return 0.0; }
  return xs[((n * (m(2u) / (KH * KW)) + c) * H + u32(yy)) * W + u32(xx)];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let O = m(0u); let COLS = m(1u); let K = m(2u);
  let row0 = wid.y * ${TM}u;
  let col0 = wid.x * ${TN}u;
  var acc: array<vec4<f32>, 4>;
  for (var q = 0u; q < 4u; q = q + 1u) { acc[q] = vec4<f32>(0.0); }
  for (var k0 = 0u; k0 < K; k0 = k0 + ${TK}u) {
    for (var e = t; e < ${TK * TM}u; e = e + 256u) {
      // A tile element (kk, mm) of the weight matrix [O, K]
      let kk = e % ${TK}u; let mm = e / ${TK}u;
      let o = row0 + mm; let k = k0 + kk;
      At[kk * ${TM}u + mm] = select(0.0, ws[min(o * K + k, O * K - 1u)], o < O && k < K);
    }
    for (var e = t; e < ${TK * TN}u; e = e + 256u) {
      let nn = e % ${TN}u; let kk = e / ${TN}u;
      Bt[kk * ${TN}u + nn] = patchAt(k0 + kk, col0 + nn);
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TK}u; k = k + 1u) {
      let a = vec4<f32>(At[k * ${TM}u + lid.y * 4u], At[k * ${TM}u + lid.y * 4u + 1u], At[k * ${TM}u + lid.y * 4u + 2u], At[k * ${TM}u + lid.y * 4u + 3u]);
      let b = vec4<f32>(Bt[k * ${TN}u + lid.x * 4u], Bt[k * ${TN}u + lid.x * 4u + 1u], Bt[k * ${TN}u + lid.x * 4u + 2u], Bt[k * ${TN}u + lid.x * 4u + 3u]);
      acc[0] = acc[0] + a.x * b;
      acc[1] = acc[1] + a.y * b;
      acc[2] = acc[2] + a.z * b;
      acc[3] = acc[3] + a.w * b;
    }
    workgroupBarrier();
  }
  let hw = m(7u) * m(8u);
  for (var q = 0u; q < 4u; q = q + 1u) {
    let o = row0 + lid.y * 4u + q;
    if (o >= O) { continue; }
    ${hasBias ? 'let bo = bs[o];' : 'let bo = 0.0;'}
    for (var c = 0u; c < 4u; c = c + 1u) {
      let col = col0 + lid.x * 4u + c;
      if (col < COLS) {
        let n = col / hw; let pix = col % hw;
        ys[(n * O + o) * hw + pix] = acc[q][c] + bo;
      }
    }
  }
}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: w.storage as GPUStorage, kind: 'read' },
      ...(bias ? [{ storage: bias.storage as GPUStorage, kind: 'read' as const }] : []),
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: [Math.ceil(cols / TN), Math.ceil(O / TM), 1],
  });
  void N;
  return y;
}
