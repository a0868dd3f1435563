import type { OutSpec, TensorRef } from '../../backend.js';
import { broadcastStrides, sizeOf } from '../../shape.js';
import { GPUStorage, type Runtime } from '../runtime.js';
import { Meta, stridedOffsets } from './common.js';
import { dispatchGemm, memoryOperand, type GemmDType } from './gemm.js';

/**
 * Batched matmul with broadcast batch dims (read through strides, never materialised) and transposed operands
 * read in place, on the GEMM generator (gemm.ts): a is f32; b is f32 or a packed half-precision weight (see
 * GEMM_CODECS), decoded as it is read, never copied to f32. f32 accumulation.
 *
 * Each operand is read four elements at a time along its contiguous axis (K for a plain a or a transposed b, M or N
 * otherwise) when that axis is a multiple of 4, one element at a time when not. Measured on lavapipe with device
 * timestamps at the shapes of a small model's training step (rows 1024, K and N 64–384, all four layouts), see
 * bench/RESULTS.md.
 */
export function matmul(rt: Runtime, a: TensorRef, b: TensorRef, transA: boolean, transB: boolean, out: OutSpec, addend: TensorRef | null = null): GPUStorage {
  if (a.dtype !== 'f32' || out.dtype !== 'f32') throw new Error(`webgpu matmul: a and the result must be f32, got ${a.dtype} and ${out.dtype}`);
  if (!(b.dtype in GEMM_DTYPES)) throw new Error(`webgpu matmul: b must be f32, f16 or bf16, got ${b.dtype}`);
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
  // Batch strides in elements of each operand's matrix (M*K / K*N), 0 on broadcast dims.
  const aBatch = broadcastStrides(a.shape.slice(0, rank - 2), batchShape).map((s) => s * M * K);
  const bBatch = broadcastStrides(b.shape.slice(0, rank - 2), batchShape).map((s) => s * K * N);
  const meta = new Meta().u32(M, N, K, ...batchShape, ...aBatch, ...bBatch);
  // vec4 reads need the contiguous axis (and so every batch offset) to be a multiple of 4
  const aVec = (transA ? M : K) % 4 === 0;
  const bVec = (transB ? K : N) % 4 === 0;
  const bType = b.dtype as GemmDType;
  const cVec = N % 4 === 0;
  const cType = cVec ? 'vec4<f32>' : 'f32';
  dispatchGemm(rt, {
    key: `matmul:${bType}:b${br}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${aVec ? 'v' : 's'}${bVec ? 'v' : 's'}${cVec ? 'v' : 's'}${addend ? ':add' : ''}`,
    bindings: [
      { storage: a.storage as GPUStorage, kind: 'read' },
      { storage: b.storage as GPUStorage, kind: 'read' },
      { storage: y, kind: 'write' },
      ...(addend ? [{ storage: addend.storage as GPUStorage, kind: 'read' as const }] : []),
    ],
    meta: meta.array(),
    a: memoryOperand({ name: 'A', binding: 0, dtype: 'f32', kMajor: transA, dim: 'M', offset: 'aOff', vectorized: aVec }),
    b: memoryOperand({ name: 'B', binding: 1, dtype: bType, kMajor: !transB, dim: 'N', offset: 'bOff', vectorized: bVec }),
    // N a multiple of 4: C (and the addend) as vec4s, every store a whole vec4 (cOff and each row start are too)
    outDecl: `@group(0) @binding(2) var<storage, read_write> C: array<${cType}>;${addend ? `\n@group(0) @binding(3) var<storage, read> D: array<${cType}>;` : ''}`,
    prologue: `${stridedOffsets('z', br, 3, [
      { name: 'aOff', stridesAt: 3 + br },
      { name: 'bOff', stridesAt: 3 + 2 * br },
    ])}
  let cOff = z * M * N;`,
    // an addend (y = a·b + c) is added as each result is stored: the epilogue of the same pass
    store: (r, c, v) => {
      const at = `cOff + (${r}) * N + ${c}`;
      const el = (arr: string) => (cVec ? `${arr}[(${at}) / 4u][(${at}) % 4u]` : `${arr}[${at}]`);
      return `${el('C')} = ${v}${addend ? ` + ${el('D')}` : ''};`;
    },
    ...(cVec
      ? { storeVec4: (r: string, c: string, v: string) => `C[(cOff + (${r}) * N + ${c}) / 4u] = ${v}${addend ? ` + D[(cOff + (${r}) * N + ${c}) / 4u]` : ''};` }
      : {}),
    M,
    N,
    batch,
  });
  return y;
}

const GEMM_DTYPES: Record<string, true> = { f32: true, f16: true, bf16: true };
