import type { TensorRef } from '../../backend.js';
import type { PrimitiveParams } from '../../primitives.js';
import { ropeInvFreq } from '../../ops/rope-frequencies.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, main1d, metaDecl } from './common.js';

/**
 * Rotate-half RoPE, one invocation per (b, h, t, j < D/2) pair. The f32 inverse frequencies come from the host
 * (the same table the cpu device uses). The f32 angle p·invFreq is reduced to [-π, π] with a two-constant
 * Cody–Waite step before cos/sin, because GPU sin/cos lose accuracy on large arguments (p reaches 4095). The
 * reduction is odd in a, so the inverse (sin negated) is exactly the rotation at -p. x and y may differ in where
 * the head axis sits (`layout`): a head split or merge costs no pass of its own. Several tensors of one shape
 * (queries and keys) share the dispatch and each angle's cos/sin.
 */
export function rope(rt: Runtime, xs: readonly TensorRef[], positions: TensorRef, p: PrimitiveParams['rope']): GPUStorage[] {
  const x = xs[0]!;
  const n = xs.length;
  const [B, d1, d2, D] = x.shape as [number, number, number, number];
  const [H, T] = p.layout === 'splitHeads' ? [d2, d1] : [d1, d2];
  const ys = xs.map(() => rt.createStorage(x.size * 4));
  const half = D / 2;
  const pairs = B * H * T * half;
  if (pairs === 0) return ys;
  const perBatch = positions.shape.length === 2;
  // row strides of h and t in [B, H, T, D] (heads major) and [B, T, H, D] (tokens major), in elements
  const strides = (tokensMajor: boolean) => (tokensMajor ? [D, H * D] : [T * D, D]);
  const meta = new Meta()
    .u32(pairs, H, T, half, perBatch ? T : 0, ...strides(p.layout === 'splitHeads'), ...strides(p.layout === 'mergeHeads'))
    .f32(p.inverse ? -1 : 1, ...ropeInvFreq(p.theta, D));
  const tensors = [...Array(n).keys()];
  rt.dispatch({
    key: `nn:rope:${n}`,
    code: () => `
${tensors.map((s) => `@group(0) @binding(${s}) var<storage, read> xs${s}: array<f32>;`).join('\n')}
@group(0) @binding(${n}) var<storage, read> pos: array<i32>;
${tensors.map((s) => `@group(0) @binding(${n + 1 + s}) var<storage, read_write> ys${s}: array<f32>;`).join('\n')}
${metaDecl(2 * n + 1, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
  let half = m(3u);
  let j = i % half;
  let row = i / half;          // (b, h, t) flattened
  let t = row % m(2u);
  let h = (row / m(2u)) % m(1u);
  let b = row / (m(2u) * m(1u));
  let p = f32(pos[b * m(4u) + t]);
  let a = p * mf(10u + j);
  // a - k·2π with 2π = 6.28125 + 1.9353071795864769e-3 (the first part is exact in 8 bits, so k·6.28125 is exact)
  let k = round(a * 0.15915494309189535);
  let r = (a - k * 6.28125) - k * 1.9353071795864769e-3;
  let c = cos(r);
  let s = sin(r) * mf(9u);
  let base = b * m(1u) * m(2u) * 2u * half + j;
  let src = base + h * m(5u) + t * m(6u);
  let o = base + h * m(7u) + t * m(8u);
${tensors.map((s) => `  { let lo = xs${s}[src]; let hi = xs${s}[src + half];
    ys${s}[o] = lo * c - hi * s;
    ys${s}[o + half] = hi * c + lo * s; }`).join('\n')}`)}`,
    bindings: [
      ...xs.map((t) => ({ storage: t.storage as GPUStorage, kind: 'read' as const })),
      { storage: positions.storage as GPUStorage, kind: 'read' },
      ...ys.map((storage) => ({ storage, kind: 'write' as const })),
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(pairs / WG)),
  });
  return ys;
}
