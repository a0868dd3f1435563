import { runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps } from './nn-util.js';

/**
 * For autograd: the gradients of `rmsNorm(x, weight, eps)` given gradOut (the `rmsNormBackward` primitive): dx, and
 * with a weight the per-element weight gradient gradOut·x̂ (sum it over the leading axes for the weight's gradient).
 * One kernel per call on webgpu.
 */
export function rmsNormBackward(x: Tensor, weight: Tensor | null, gradOut: Tensor, eps: number): { dx: Tensor; dwRows: Tensor | null } {
  const D = x.shape[x.rank - 1];
  if (x.rank === 0 || !shapesEqual(gradOut.shape, x.shape)) throw new TensorError('rmsNormBackward', `gradOut ${fmtShape(gradOut.shape)} must have x's shape ${fmtShape(x.shape)} (rank ≥ 1)`);
  if (weight && !shapesEqual(weight.shape, [D!])) throw new TensorError('rmsNormBackward', `weight must be [${D}], got ${fmtShape(weight.shape)}`);
  const xf = floatInput('rmsNormBackward', 'x', x);
  const wf = weight ? floatInput('rmsNormBackward', 'weight', weight) : null;
  const gf = floatInput('rmsNormBackward', 'gradOut', gradOut);
  const out = { shape: [...x.shape], dtype: 'f32' as const };
  const outs = runPrimitive('rmsNormBackward', wf ? [xf, wf, gf] : [xf, gf], { eps, hasWeight: !!wf }, wf ? [out, out] : [out]);
  releaseTemps([xf, gf, ...(wf ? [wf] : [])], [x, gradOut, weight]);
  return { dx: outs[0]!, dwRows: outs[1] ?? null };
}
