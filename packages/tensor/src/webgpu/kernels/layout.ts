import type { OutSpec, TensorRef } from '../../backend.js';
import type { DType } from '../../dtype.js';
import { f32ToHalfBits, isHalf } from '../../dtype.js';
import { broadcastStrides, sizeOf, stridesOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, WG, deviceBytes, main1d, metaDecl, stridedOffsets } from './common.js';

/** The 32-bit word that stores `value` as one element of `dtype` (f16 / bf16: the 16 bits). */
export function fillBits(value: number, dtype: DType): number {
  switch (dtype) {
    case 'f32': {
      const f = new Float32Array([value]);
      return new Uint32Array(f.buffer)[0]!;
    }
    case 'f16':
    case 'bf16':
      return f32ToHalfBits(dtype, value);
    case 'bool':
      return value !== 0 ? 1 : 0;
    case 'i32':
      return (Math.trunc(value) | 0) >>> 0;
    case 'u32':
      return Math.trunc(value) >>> 0;
  }
}

export interface ElementCopy {
  /** Pipeline key (without dtype class; added here). */
  key: string;
  /** Source tensor (binding 0). */
  x: TensorRef;
  /** Extra read-only bindings 1..k: their WGSL declarations use the names given. */
  extra?: { storage: GPUStorage; name: string; type: 'i32' | 'u32' | 'f32' }[];
  out: OutSpec;
  /** Metadata after the two fixed words (n, fill bits) — so the caller's words start at index 2. */
  meta: Meta;
  /** WGSL `fn src(e: u32) -> i32`: the source element of output element e, or -1 for the fill value. */
  srcFn: string;
  fill?: number;
}

/**
 * The gather-style copy every layout/indexing op reduces to: out[e] = x[src(e)] (or fill). It moves raw
 * 32-bit words, so it serves every dtype; f16 / bf16 elements are moved as 16-bit halves, two per invocation,
 * so no two invocations write the same word.
 */
export function elementCopy(rt: Runtime, spec: ElementCopy): GPUStorage {
  const n = sizeOf(spec.out.shape);
  const y = rt.createStorage(deviceBytes(spec.out.dtype, n));
  if (n === 0) return y;
  const half = isHalf(spec.out.dtype);
  if (half !== isHalf(spec.x.dtype)) throw new Error('webgpu elementCopy: dtype mismatch');
  const meta = new Meta().u32(n, fillBits(rt.sentinel(spec.fill ?? 0), spec.out.dtype));
  const words = spec.meta.array();
  meta.u32(...words);
  const extra = spec.extra ?? [];
  const decls = extra.map((e, k) => `@group(0) @binding(${k + 1}) var<storage, read> ${e.name}: array<${e.type}>;`).join('\n');
  const outBinding = extra.length + 1;
  const body = half
    ? `  if (i >= (m(0u) + 1u) / 2u) { return; }
  var word = 0u;
  for (var k = 0u; k < 2u; k = k + 1u) {
    let e = 2u * i + k;
    if (e < m(0u)) {
      let s = src(e);
      var h = m(1u);
      if (s >= 0) { let su = u32(s); h = (xs[su >> 1u] >> ((su & 1u) * 16u)) & 0xffffu; }
      word = word | (h << (16u * k));
    }
  }
  ys[i] = word;`
    : `  if (i >= m(0u)) { return; }
  let s = src(i);
  if (s < 0) { ys[i] = m(1u); } else { ys[i] = xs[u32(s)]; }`;
  rt.dispatch({
    key: `copy:${spec.key}:${half ? 'h' : 'w'}`,
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<u32>;
${decls}
@group(0) @binding(${outBinding}) var<storage, read_write> ys: array<u32>;
${metaDecl(outBinding + 1, meta.length)}
${spec.srcFn}
${main1d(body)}`,
    bindings: [
      { storage: spec.x.storage as GPUStorage, kind: 'read' },
      ...extra.map((e) => ({ storage: e.storage, kind: 'read' as const })),
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil((half ? Math.ceil(n / 2) : n) / WG)),
  });
  return y;
}

/**
 * out[c] = x[base + sum_d c_d * strides_d] over out shape; with `padded`, coordinate c_d - before_d must lie
 * in [0, xDims_d) or the element is the fill value.
 */
function stridedCopy(
  rt: Runtime,
  x: TensorRef,
  out: OutSpec,
  base: number,
  strides: number[],
  pad?: { before: number[]; xDims: readonly number[]; value: number },
): GPUStorage {
  const rank = out.shape.length;
  // Words after (n, fill): base at 2, shape at 3, strides at 3 + rank, [before at 3 + 2r, xDims at 3 + 3r].
  const meta = new Meta().u32(base, ...out.shape, ...strides);
  let srcFn: string;
  if (!pad) {
    srcFn = `fn src(e: u32) -> i32 {
${stridedOffsets('e', rank, 3, [{ name: 'off', stridesAt: 3 + rank, init: 'm(2u)' }])}
  return i32(off);
}`;
  } else {
    meta.u32(...pad.before.map((b) => b >>> 0), ...pad.xDims);
    const lines: string[] = ['  var off = m(2u);', '  var rem = e;'];
    for (let d = rank - 1; d >= 0; d--) {
      lines.push(`  { let dim = m(${3 + d}u); let c = rem % dim; rem = rem / dim;`);
      lines.push(`    let cs = c - m(${3 + 2 * rank + d}u); if (cs >= m(${3 + 3 * rank + d}u)) { return -1; }`);
      lines.push(`    off = off + cs * m(${3 + rank + d}u); }`);
    }
    srcFn = `fn src(e: u32) -> i32 {\n${lines.join('\n')}\n  return i32(off);\n}`;
  }
  return elementCopy(rt, { key: `strided:r${rank}${pad ? ':pad' : ''}`, x, out, meta, srcFn, fill: pad?.value ?? 0 });
}

export function transpose(rt: Runtime, x: TensorRef, perm: number[], out: OutSpec): GPUStorage {
  const st = stridesOf(x.shape);
  const rank = perm.length;
  const last = x.shape[rank - 1] ?? 0;
  if (rank >= 2 && perm[rank - 1] === rank - 1 && last % 4 === 0 && !isHalf(x.dtype)) return transposeRows4(rt, x, perm, out);
  return stridedCopy(rt, x, out, 0, perm.map((p) => st[p]!));
}

/**
 * A transpose that keeps the last axis in place (an attention head split or merge: [B, T, H, D] <-> [B, H, T, D])
 * with that axis a multiple of 4: whole vec4s move, so each invocation decomposes its index once per 4 elements
 * (integer division is the cost of a strided copy on a driver without SIMD division).
 */
function transposeRows4(rt: Runtime, x: TensorRef, perm: number[], out: OutSpec): GPUStorage {
  const n = sizeOf(out.shape);
  const y = rt.createStorage(deviceBytes(out.dtype, n));
  if (n === 0) return y;
  const rank = perm.length;
  const st = stridesOf(x.shape);
  const shape4 = [...out.shape.slice(0, -1), out.shape[rank - 1]! / 4];
  const strides4 = [...perm.slice(0, -1).map((p) => st[p]! / 4), 1];
  const meta = new Meta().u32(n / 4, ...shape4, ...strides4);
  rt.dispatch({
    key: `copy:rows4:r${rank}`,
    code: () => `
@group(0) @binding(0) var<storage, read> xs: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> ys: array<vec4<u32>>;
${metaDecl(2, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
${stridedOffsets('i', rank, 1, [{ name: 'off', stridesAt: 1 + rank }])}
  ys[i] = xs[off];`)}`,
    bindings: [
      { storage: x.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
    ],
    meta: meta.array(),
    workgroups: rt.grid(Math.ceil(n / 4 / WG)),
  });
  return y;
}

export function slice(rt: Runtime, x: TensorRef, begin: number[], out: OutSpec): GPUStorage {
  const st = stridesOf(x.shape);
  const base = begin.reduce((acc, b, d) => acc + b * st[d]!, 0);
  return stridedCopy(rt, x, out, base, st);
}

export function broadcastTo(rt: Runtime, x: TensorRef, out: OutSpec): GPUStorage {
  return stridedCopy(rt, x, out, 0, broadcastStrides(x.shape, out.shape));
}

export function pad(rt: Runtime, x: TensorRef, before: number[], value: number, out: OutSpec): GPUStorage {
  return stridedCopy(rt, x, out, 0, stridesOf(x.shape), { before, xDims: x.shape, value });
}

/** Concat of 32-bit dtypes: one scatter-style copy per input into its slab of the output. */
export function concat(rt: Runtime, xs: TensorRef[], axis: number, out: OutSpec): GPUStorage {
  const n = sizeOf(out.shape);
  const y = rt.createStorage(deviceBytes(out.dtype, n));
  if (n === 0) return y;
  if (isHalf(out.dtype)) throw new Error('webgpu concat: f16 / bf16 must be cast to f32 first');
  const outStrides = stridesOf(out.shape);
  const rank = out.shape.length;
  let offset = 0;
  for (const x of xs) {
    if (x.size > 0) {
      const meta = new Meta().u32(x.size, offset * outStrides[axis]!, ...x.shape, ...outStrides);
      rt.dispatch({
        key: `concatPart:r${rank}`,
        code: () => `
@group(0) @binding(0) var<storage, read> xs: array<u32>;
@group(0) @binding(1) var<storage, read_write> ys: array<u32>;
${metaDecl(2, meta.length)}
${main1d(`  if (i >= m(0u)) { return; }
${stridedOffsets('i', rank, 2, [{ name: 'dst', stridesAt: 2 + rank, init: 'm(1u)' }])}
  ys[dst] = xs[i];`)}`,
        bindings: [
          { storage: x.storage as GPUStorage, kind: 'read' },
          { storage: y, kind: 'write' },
        ],
        meta: meta.array(),
        workgroups: rt.grid(Math.ceil(x.size / WG)),
      });
    }
    offset += x.shape[axis]!;
  }
  return y;
}
