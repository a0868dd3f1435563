import { runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps } from './nn-util.js';

/**
 * For autograd: the gradients of `rmsNorm(x, weight, eps)` given gradOut (the `rmsNormBackward` primitive): dx, and
 * with a weight the per-element weight gradient gradOut·x̂ (sum it over the leading axes for the weight's gradient).
 * One kernel per call on webgpu. With `addend` (f32, x's shape), dx + addend is returned instead of dx: the
 * gradient x has gathered from its other uses (a residual connection), added in the same kernel.
 */
export function rmsNormBackward(x: Tensor, weight: Tensor | null, gradOut: Tensor, eps: number, addend?: Tensor): { dx: Tensor; dwRows: Tensor | null } {
  const D = x.shape[x.rank - 1];
  if (x.rank === 0 || !shapesEqual(gradOut.shape, x.shape)) throw new TensorError('rmsNormBackward', `gradOut ${fmtShape(gradOut.shape)} must have x's shape ${fmtShape(x.shape)} (rank ≥ 1)`);
  if (weight && !shapesEqual(weight.shape, [D!])) throw new TensorError('rmsNormBackward', `weight must be [${D}], got ${fmtShape(weight.shape)}`);
  const xf = floatInput('rmsNormBackward', 'x', x);
  const wf = weight ? floatInput('rmsNormBackward', 'weight', weight) : null;
  const gf = floatInput('rmsNormBackward', 'gradOut', gradOut);
  if (addend && (addend.dtype !== 'f32' || !shapesEqual(addend.shape, x.shape))) {
    throw new TensorError('rmsNormBackward', `addend must be f32 of x's shape ${fmtShape(x.shape)}, got ${addend.dtype} ${fmtShape(addend.shape)}`);
  }
  const out = { shape: [...x.shape], dtype: 'f32' as const };
  const inputs = [xf, ...(wf ? [wf] : []), gf, ...(addend ? [addend] : [])];
  const outs = runPrimitive('rmsNormBackward', inputs, { eps, hasWeight: !!wf, hasAddend: !!addend }, wf ? [out, out] : [out]);
  releaseTemps([xf, gf, ...(wf ? [wf] : [])], [x, gradOut, weight]);
  return { dx: outs[0]!, dwRows: outs[1] ?? null };
}
