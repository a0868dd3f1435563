import { TensorError, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from './mask-predictor.js';

/** @internal Calls the predictor and checks that it answered logits [B, L, V] for ids [B, L]. */
export async function predictLogits(predictor: MaskPredictor, ids: Tensor, padMask: Tensor | undefined, op: string): Promise<Tensor> {
  return checkLogits(await predictor(ids, padMask), ids, op, 'the mask predictor');
}

/** @internal Checks that `who` answered logits [B, L, V] for ids [B, L]; returns them. */
export function checkLogits(logits: Tensor, ids: Tensor, op: string, who: string): Tensor {
  const [b, l] = ids.shape;
  if (logits.rank !== 3 || logits.shape[0] !== b || logits.shape[1] !== l) {
    throw new TensorError(op, `${who} returned logits [${logits.shape.join(', ')}] for ids [${ids.shape.join(', ')}]; expected [${b}, ${l}, V]`);
  }
  return logits;
}
