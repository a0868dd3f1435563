/**
 * How much device memory a model takes, computed from the config before anything is loaded.
 */
import type { ModelConfig } from '../config/model-config.js';
import { parameterCount } from '../config/model-config.js';
import { parameterShapes } from '../model/parameters.js';

export interface MemoryEstimate {
  readonly parameters: number;
  /** Bytes of every parameter on the device at `bytesPerWeight` (norms are always f32). */
  readonly parameterBytes: number;
  /** The largest single tensor (wte or the head), in bytes: it must fit one storage buffer binding. */
  readonly largestTensorBytes: number;
  readonly largestTensor: string;
  /** Bytes of the f32 logits of one token ([embeddingSize] × 4); a forward of B×T tokens holds B·T of these. */
  readonly logitsBytesPerToken: number;
}

/**
 * `bytesPerWeight`: 4 for f32 (F32 and BF16 checkpoints are held as f32), 2 for f16 weights kept in half precision.
 */
export function estimateMemory(config: ModelConfig, bytesPerWeight: 2 | 4 = 4): MemoryEstimate {
  let parameterBytes = 0;
  let largestTensorBytes = 0;
  let largestTensor = '';
  for (const [name, shape] of parameterShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = n * (shape.length === 1 ? 4 : bytesPerWeight);
    parameterBytes += bytes;
    if (bytes > largestTensorBytes) {
      largestTensorBytes = bytes;
      largestTensor = name;
    }
  }
  return { parameters: parameterCount(config), parameterBytes, largestTensorBytes, largestTensor, logitsBytesPerToken: config.embeddingSize * 4 };
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
