import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import type { ActivationOp } from '../primitives.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps } from './nn-util.js';

/**
 * For autograd: the gradient of an activation (`silu`, `geluErf`, `geluTanh`) given gradOut, gradOut · f'(x), in one
 * kernel (the `activationBackward` primitive) instead of the derivative's chain of elementwise ops. f32 out.
 */
export function activationBackward(op: ActivationOp, x: Tensor, gradOut: Tensor): Tensor {
  if (!shapesEqual(x.shape, gradOut.shape)) throw new TensorError('activationBackward', `gradOut ${fmtShape(gradOut.shape)} must have x's shape ${fmtShape(x.shape)}`);
  const ins = [floatInput('activationBackward', 'x', x), floatInput('activationBackward', 'gradOut', gradOut)];
  const dx = run1('activationBackward', ins, { op }, { shape: [...x.shape], dtype: 'f32' });
  releaseTemps(ins, [x, gradOut]);
  return dx;
}
