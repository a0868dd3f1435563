import { TensorError, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from './mask-predictor.js';

/** @internal Calls the predictor and checks that it answered logits [B, L, V] for ids [B, L]. */
export async function predictLogits(predictor: MaskPredictor, ids: Tensor, padMask: Tensor | undefined, op: string): Promise<Tensor> {
  const logits = await predictor(ids, padMask);
  const [b, l] = ids.shape;
  if (logits.rank !== 3 || logits.shape[0] !== b || logits.shape[1] !== l) {
    throw new TensorError(op, `the mask predictor returned logits [${logits.shape.join(', ')}] for ids [${ids.shape.join(', ')}]; expected [${b}, ${l}, V]`);
  }
  return logits;
}
