import { TensorError, cast, crossEntropy, dispose, neg, tile, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';

/**
 * @internal One predictor pass over `noisy` [R, L] and ℓ = log softmax(logits)[target] at every position,
 * f32 [R, L] (no shift: position i predicts token i). `targets` [B, L] with R = k·B is repeated k times;
 * so is `padMask`. Differentiable through the tensor library's fused cross-entropy.
 */
export async function tokenLogProbs(model: MaskPredictor, noisy: Tensor, targets: Tensor, padMask: Tensor | undefined, op: string): Promise<Tensor> {
  const [r, l] = noisy.shape as [number, number];
  const copies = r / targets.shape[0]!;
  const temps: Tensor[] = [];
  const repeat = (t: Tensor) => {
    if (copies === 1) return t;
    const y = tile(t, [copies, 1]);
    temps.push(y);
    return y;
  };
  const logits = await model(noisy, padMask ? repeat(padMask) : undefined);
  if (logits.rank !== 3 || logits.shape[0] !== r || logits.shape[1] !== l) {
    dispose(temps);
    throw new TensorError(op, `the mask predictor returned logits [${logits.shape.join(', ')}] for ids [${r}, ${l}]; expected [${r}, ${l}, V]`);
  }
  const t32 = cast(repeat(targets), 'i32');
  const ce = crossEntropy(logits, t32);
  const lp = neg(ce);
  dispose([logits, t32, ce, ...temps]);
  return lp;
}
