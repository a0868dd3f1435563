import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps } from './nn-util.js';
import { castRaw } from './util.js';

/**
 * For autograd: the gradient of `crossEntropy` with respect to its logits (the `crossEntropyBackward` primitive):
 * logits [R, V], targets [R] (i32), gradOut [R] -> gradOut[r]·(softmax(logits[r]) − onehot(targets[r])), 0 for rows
 * whose target is ignoreIndex. One fused kernel per row on webgpu (the probabilities are never stored).
 */
export function crossEntropyBackward(logits: Tensor, targets: Tensor, gradOut: Tensor, ignoreIndex: number): Tensor {
  if (logits.rank !== 2 || !shapesEqual(targets.shape, [logits.shape[0]!]) || !shapesEqual(gradOut.shape, targets.shape)) {
    throw new TensorError(
      'crossEntropyBackward',
      `expected logits [R, V], targets [R], gradOut [R]; got ${fmtShape(logits.shape)}, ${fmtShape(targets.shape)}, ${fmtShape(gradOut.shape)}`,
    );
  }
  if (targets.dtype !== 'i32' && targets.dtype !== 'u32') throw new TensorError('crossEntropyBackward', `targets must be i32, got ${targets.dtype}`);
  const l = floatInput('crossEntropyBackward', 'logits', logits);
  const t = castRaw(targets, 'i32');
  const g = floatInput('crossEntropyBackward', 'gradOut', gradOut);
  const dx = run1('crossEntropyBackward', [l, t, g], { ignoreIndex }, { shape: [...logits.shape], dtype: 'f32' });
  releaseTemps([l, t, g], [logits, targets, gradOut]);
  return dx;
}
