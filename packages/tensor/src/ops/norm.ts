import { isHalf } from '../dtype.js';
import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import type { PrimitiveParams } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';
import { floatInput, releaseTemps, resultLike } from './nn-util.js';
import { castRaw } from './util.js';

function checkVector(op: string, what: string, t: Tensor, n: number): void {
  if (t.rank !== 1 || t.shape[0] !== n) throw new TensorError(op, `${what} must have shape [${n}], got ${fmtShape(t.shape)}`);
}

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0)) throw new TensorError(op, `eps must be a non-negative number, got ${eps}`);
}

/**
 * RMSNorm over the last axis, as LLaMA / LLaDA: y = weight ⊙ cast_to_x_dtype(x / sqrt(mean(x²) + eps)).
 * Statistics are always computed in f32. For f16 (bf16) x the normalised value is rounded to f16 (bf16) before the weight
 * multiplies it (upstream's order); `weight` null means no weight.
 */
export function rmsNorm(x: Tensor, weight: Tensor | null | undefined, eps = 1e-5): Tensor {
  if (x.rank === 0) throw new TensorError('rmsNorm', 'x needs at least one dimension');
  const D = x.shape[x.rank - 1]!;
  if (weight) checkVector('rmsNorm', 'weight', weight, D);
  checkEps('rmsNorm', eps);
  const xf = floatInput('rmsNorm', 'x', x);
  if (isHalf(x.dtype)) {
    const n = run1('rmsNorm', [xf], { eps, hasWeight: false }, { shape: x.shape, dtype: 'f32' });
    const n16 = castRaw(n, x.dtype);
    n.dispose();
    releaseTemps([xf], [x]);
    if (!weight) return n16;
    const y = mul(n16, weight);
    n16.dispose();
    return y;
  }
  const wf = weight ? floatInput('rmsNorm', 'weight', weight) : null;
  const y = run1('rmsNorm', wf ? [xf, wf] : [xf], { eps, hasWeight: !!wf }, { shape: x.shape, dtype: 'f32' });
  releaseTemps(wf ? [xf, wf] : [xf], [x, weight]);
  return y;
}

/** Shared path of layerNorm and groupNorm: float casts, optional affine inputs, result in x's dtype. */
function normWithAffine<P extends 'layerNorm' | 'groupNorm'>(
  op: P,
  x: Tensor,
  weight: Tensor | null | undefined,
  bias: Tensor | null | undefined,
  params: (hasWeight: boolean, hasBias: boolean) => PrimitiveParams[P],
): Tensor {
  const xf = floatInput(op, 'x', x);
  const wf = weight ? floatInput(op, 'weight', weight) : null;
  const bf = bias ? floatInput(op, 'bias', bias) : null;
  const inputs = [xf, ...(wf ? [wf] : []), ...(bf ? [bf] : [])];
  const y = run1(op, inputs, params(!!wf, !!bf), { shape: x.shape, dtype: 'f32' });
  releaseTemps(inputs, [x, weight, bias]);
  return resultLike(y, x.dtype);
}

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) · weight + bias (biased variance; both optional). */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (x.rank === 0) throw new TensorError('layerNorm', 'x needs at least one dimension');
  const D = x.shape[x.rank - 1]!;
  if (weight) checkVector('layerNorm', 'weight', weight, D);
  if (bias) checkVector('layerNorm', 'bias', bias, D);
  checkEps('layerNorm', eps);
  return normWithAffine('layerNorm', x, weight, bias, (hasWeight, hasBias) => ({ eps, hasWeight, hasBias }));
}

/**
 * GroupNorm on NCHW (any number of trailing spatial dims): channels split into `groups` consecutive groups,
 * each (sample, group) normalised over its channels and positions, then the per-channel affine (as torch.nn.GroupNorm).
 * With `{ silu: true }`, silu(groupNorm(x)) in the same kernel (MAGVIT-v2's norm-then-swish), forward and backward.
 */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5, options: { silu?: boolean } = {}): Tensor {
  if (x.rank < 2) throw new TensorError('groupNorm', `x must be [N, C, ...], got ${fmtShape(x.shape)}`);
  const C = x.shape[1]!;
  if (!Number.isInteger(groups) || groups <= 0 || C % groups !== 0) {
    throw new TensorError('groupNorm', `groups = ${groups} must be a positive divisor of the ${C} channels of ${fmtShape(x.shape)}`);
  }
  if (weight) checkVector('groupNorm', 'weight', weight, C);
  if (bias) checkVector('groupNorm', 'bias', bias, C);
  checkEps('groupNorm', eps);
  return normWithAffine('groupNorm', x, weight, bias, (hasWeight, hasBias) => ({ groups, eps, hasWeight, hasBias, ...(options.silu ? { silu: true } : {}) }));
}
