import { tensor, type Tensor } from '@mmada/tensor';
import type { RolloutBatch } from './rollout-batch.js';

/** @internal bool [B, L]: true at each row's generated part (positions ≥ promptLength[b]). */
export function generatedRegion(batch: RolloutBatch): Tensor {
  const [b, l] = batch.ids.shape as [number, number];
  const data = new Uint8Array(b * l);
  batch.promptLength.forEach((p, row) => data.fill(1, row * l + p, (row + 1) * l));
  return tensor(Array.from(data), [b, l], 'bool', { device: batch.ids.device });
}
