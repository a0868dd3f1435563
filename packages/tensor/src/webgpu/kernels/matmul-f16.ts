import type { OutSpec, TensorRef } from '../../backend.js';
import type { GPUStorage, Runtime } from '../runtime.js';
import { matmul } from './matmul.js';

/**
 * a f32 [..., M, K] (or transposed) times b f16 [..., K, N] (or transposed) -> f32, reading b's packed half
 * pairs in place (`unpack2x16float`, core WGSL: no `shader-f16` needed), so a half-precision weight never gets
 * an f32 copy: the matmul kernel with the f16 load hook of the GEMM generator.
 */
export function matmulF16Weight(rt: Runtime, a: TensorRef, b: TensorRef, transA: boolean, transB: boolean, out: OutSpec): GPUStorage {
  if (a.dtype !== 'f32' || b.dtype !== 'f16') throw new Error(`webgpu matmulF16Weight: needs f32 a and f16 b, got ${a.dtype} and ${b.dtype}`);
  return matmul(rt, a, b, transA, transB, out);
}
