/**
 * How much device memory a model takes, computed from the config (and the stored dtypes) before anything is
 * loaded: the weights, and the working memory of one forward pass over a number of tokens.
 */
import type { ModelConfig } from '../config/model-config.js';
import { parameterCount } from '../config/model-config.js';
import { parameterShapes } from '../model/parameters.js';

export interface MemoryEstimate {
  readonly parameters: number;
  /** Bytes of every parameter on the device (see `bytesPerWeight`). */
  readonly parameterBytes: number;
  /** The largest single tensor (wte or the head), in bytes: it must fit one buffer (maxBufferSize). */
  readonly largestTensorBytes: number;
  readonly largestTensor: string;
  /** Bytes of the f32 logits of one token ([embeddingSize] × 4); a forward of B×T tokens holds B·T of these. */
  readonly logitsBytesPerToken: number;
}

/**
 * Device bytes of one weight element: a number for every matrix (4 for f32, 2 for f16 / bf16 kept packed), or
 * a function of the tensor's name (e.g. from a checkpoint's stored dtypes). 1-D tensors (the norms) count as
 * stored: `bytesOf(name)` for a function, 4 for a number (norm weights are f32 unless the function says not).
 */
export type BytesPerWeight = 2 | 4 | ((name: string, shape: readonly number[]) => 2 | 4);

/**
 * `bytesPerWeight`: 4 for f32 (F32 checkpoints, or any checkpoint loaded with `weights: 'f32'`), 2 for F16 /
 * BF16 weights kept in half precision (the default for such checkpoints); or a function of each tensor.
 */
export function estimateMemory(config: ModelConfig, bytesPerWeight: BytesPerWeight = 4): MemoryEstimate {
  let parameterBytes = 0;
  let largestTensorBytes = 0;
  let largestTensor = '';
  for (const [name, shape] of parameterShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const per = typeof bytesPerWeight === 'function' ? bytesPerWeight(name, shape) : shape.length === 1 ? 4 : bytesPerWeight;
    const bytes = n * per;
    parameterBytes += bytes;
    if (bytes > largestTensorBytes) {
      largestTensorBytes = bytes;
      largestTensor = name;
    }
  }
  return { parameters: parameterCount(config), parameterBytes, largestTensorBytes, largestTensor, logitsBytesPerToken: config.embeddingSize * 4 };
}

/**
 * Peak bytes of the f32 intermediates of one forward pass over `tokens` positions (B·T), weights not included.
 * The forward frees each block's intermediates when the block ends, and attention never forms a [T, T] matrix,
 * so the peak is one block's worth plus the logits: per token, about 14 vectors of d_model (residual, norm,
 * q / k / v, their rotated and head-split copies, attention output, its projection) and 4 of the MLP width
 * (gate, its SiLU, up, their product), and one row of logits.
 */
export function forwardActivationBytes(config: ModelConfig, tokens: number): number {
  const perToken = 14 * config.dModel + 4 * config.mlpHiddenSize + config.embeddingSize;
  return tokens * perToken * 4;
}

/** "16.0 GB"-style size. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
