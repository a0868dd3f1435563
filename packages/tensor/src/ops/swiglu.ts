import { runPrimitive, run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps, resultLike } from './nn-util.js';

function checkPair(op: string, gate: Tensor, up: Tensor, gradOut?: Tensor): void {
  if (!shapesEqual(gate.shape, up.shape)) throw new TensorError(op, `gate ${fmtShape(gate.shape)} and up ${fmtShape(up.shape)} must have one shape`);
  if (gradOut && !shapesEqual(gradOut.shape, gate.shape)) throw new TensorError(op, `gradOut ${fmtShape(gradOut.shape)} must have the gate's shape ${fmtShape(gate.shape)}`);
}

/**
 * SwiGLU's gating, silu(gate) · up (silu(x) = x · sigmoid(x)), as one kernel: what a LLaMA-style MLP applies between
 * its gate/up projections and its down projection. Same shapes in and out; f16 / bf16 in give that dtype out.
 */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  checkPair('swiglu', gate, up);
  const g = floatInput('swiglu', 'gate', gate);
  const u = floatInput('swiglu', 'up', up);
  const y = run1('swiglu', [g, u], {}, { shape: [...gate.shape], dtype: 'f32' });
  releaseTemps([g, u], [gate, up]);
  return resultLike(y, gate.dtype);
}

/**
 * For autograd: the gradients of `swiglu(gate, up)` given gradOut, in one kernel (the `swigluBackward` primitive):
 * dgate = gradOut · up · s · (1 + gate · (1 − s)) with s = sigmoid(gate), dup = gradOut · gate · s. f32 out.
 */
export function swigluBackward(gate: Tensor, up: Tensor, gradOut: Tensor): { dgate: Tensor; dup: Tensor } {
  checkPair('swigluBackward', gate, up, gradOut);
  const ins = [floatInput('swigluBackward', 'gate', gate), floatInput('swigluBackward', 'up', up), floatInput('swigluBackward', 'gradOut', gradOut)];
  const out = { shape: [...gate.shape], dtype: 'f32' as const };
  const [dgate, dup] = runPrimitive('swigluBackward', ins, {}, [out, out]) as [Tensor, Tensor];
  releaseTemps(ins, [gate, up, gradOut]);
  return { dgate, dup };
}
