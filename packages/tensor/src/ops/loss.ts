import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { floatInput, releaseTemps } from './nn-util.js';
import { castRaw, reshapeRaw } from './util.js';

export interface CrossEntropyOptions {
  /** Per-token weights, broadcastable to targets' shape; each loss is multiplied by its weight. */
  weights?: Tensor;
  /** Targets equal to this give loss 0 (default -100, as torch). */
  ignoreIndex?: number;
}

/**
 * Per-token cross-entropy: loss[...] = logΣexp(logits[..., :]) - logits[..., target], f32 of targets' shape.
 * logits [..., V] (f32/f16), targets [...] integer class ids. On webgpu the log-softmax and the gather are one
 * kernel, so the probabilities of a large vocabulary are never stored. A target outside [0, V) that is not
 * ignoreIndex gives NaN.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (logits.rank === 0) throw new TensorError('crossEntropy', 'logits need a class axis');
  if (targets.dtype !== 'i32' && targets.dtype !== 'u32') throw new TensorError('crossEntropy', `targets must be i32, got ${targets.dtype}`);
  if (!shapesEqual(logits.shape.slice(0, -1), targets.shape)) {
    throw new TensorError('crossEntropy', `targets ${fmtShape(targets.shape)} must be logits ${fmtShape(logits.shape)} without the class axis`);
  }
  const { weights } = opts;
  if (weights && !shapesEqual(broadcastShapes('crossEntropy', weights.shape, targets.shape), targets.shape)) {
    throw new TensorError('crossEntropy', `weights ${fmtShape(weights.shape)} do not broadcast to targets ${fmtShape(targets.shape)}`);
  }
  const V = logits.shape[logits.rank - 1]!;
  const R = targets.size;
  const lf = floatInput('crossEntropy', 'logits', logits);
  const l2 = reshapeRaw(lf, [R, V]);
  const ti = castRaw(targets, 'i32');
  const t1 = reshapeRaw(ti, [R]);
  const flat = run1('crossEntropy', [l2, t1], { ignoreIndex }, { shape: [R], dtype: 'f32' });
  const loss = reshapeRaw(flat, targets.shape);
  releaseTemps([lf, l2, ti, t1, flat], [logits, targets]);
  if (!weights) return loss;
  const y = mul(loss, weights);
  loss.dispose();
  return y;
}
