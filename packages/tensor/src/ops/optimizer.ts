import { run1, runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

export interface AdamUpdateOptions {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  /** lr / (1 − b1^t). */
  readonly stepSize: number;
  /** √(1 − b2^t). */
  readonly sqrtBc2: number;
  /** lr·λ for decoupled weight decay (AdamW), 0 for none. Needs `param`. */
  readonly decay?: number;
  /** The parameter (f32, the gradient's shape): needed for weight decay and for `apply`. */
  readonly param?: Tensor;
  /** f32 [1] multiplying the gradient first (a global-norm clip factor computed on the device). */
  readonly scale?: Tensor;
  /**
   * Instead of `scale`: a global-norm clip, scale = min(maxNorm / (√normSq + 1e-6), 1) computed in the kernel from
   * normSq (f32 [1], the sum of squares of every gradient), as clipByGlobalNorm's ops compute it.
   */
  readonly clip?: { readonly normSq: Tensor; readonly maxNorm: number };
  /** Return the updated parameter p + u instead of the update u. */
  readonly apply?: boolean;
  /** Only elements [0, decayEnd) decay (default: all). */
  readonly decayEnd?: number;
}

/**
 * One Adam / AdamW step of one parameter as one kernel (the `adamUpdate` primitive): returns the new moments and
 * the update (or, with `apply`, the new parameter). The arithmetic is PyTorch's, rounded to f32 after each
 * operation in the same order as the elementwise ops it replaces, so results match those ops exactly on the
 * cpu device:
 *   g' = g·scale;  m' = b1·m + (1−b1)·g';  v' = b2·v + (1−b2)·g'²
 *   u = −stepSize · m' / (√v' / sqrtBc2 + eps) − decay·p;   (p + u with `apply`)
 */
export function adamUpdate(grad: Tensor, m: Tensor, v: Tensor, o: AdamUpdateOptions): { m: Tensor; v: Tensor; update: Tensor } {
  const decay = o.decay ?? 0;
  const apply = o.apply ?? false;
  for (const [name, t] of [['grad', grad], ['m', m], ['v', v], ['param', o.param]] as const) {
    if (!t) continue;
    if (t.dtype !== 'f32') throw new TensorError('adamUpdate', `${name} must be f32, got ${t.dtype}`);
    if (!shapesEqual(t.shape, grad.shape)) throw new TensorError('adamUpdate', `${name} ${fmtShape(t.shape)} must have the gradient's shape ${fmtShape(grad.shape)}`);
  }
  if ((decay !== 0 || apply) && !o.param) throw new TensorError('adamUpdate', `param is needed for ${apply ? 'apply' : `weight decay ${decay}`}`);
  if (o.scale && o.clip) throw new TensorError('adamUpdate', 'give scale or clip, not both');
  if (o.clip && !(o.clip.maxNorm > 0)) throw new TensorError('adamUpdate', `clip.maxNorm must be positive, got ${o.clip.maxNorm}`);
  const scale = o.scale ?? o.clip?.normSq;
  if (scale && (scale.dtype !== 'f32' || scale.size !== 1)) throw new TensorError('adamUpdate', `${o.clip ? 'clip.normSq' : 'scale'} must be f32 with one element, got ${scale.dtype} ${fmtShape(scale.shape)}`);
  for (const [name, x] of [['b1', o.b1], ['b2', o.b2], ['eps', o.eps], ['stepSize', o.stepSize], ['sqrtBc2', o.sqrtBc2], ['decay', decay]] as const) {
    if (!Number.isFinite(x)) throw new TensorError('adamUpdate', `${name} must be a finite number, got ${x}`);
  }
  const decayEnd = o.decayEnd ?? grad.size;
  if (!Number.isInteger(decayEnd) || decayEnd < 0 || decayEnd > grad.size) throw new TensorError('adamUpdate', `decayEnd must be an integer in [0, ${grad.size}], got ${decayEnd}`);
  const hasParam = o.param !== undefined && (decay !== 0 || apply);
  const inputs = [grad, m, v, ...(hasParam ? [o.param!] : []), ...(scale ? [scale] : [])];
  const out = { shape: [...grad.shape], dtype: 'f32' as const };
  const [m2, v2, u] = runPrimitive(
    'adamUpdate',
    inputs,
    { b1: o.b1, c1: 1 - o.b1, b2: o.b2, c2: 1 - o.b2, eps: o.eps, sqrtBc2: o.sqrtBc2, stepSize: o.stepSize, decay, decayEnd, hasParam, hasScale: !!scale, apply, ...(o.clip ? { maxNorm: o.clip.maxNorm } : {}) },
    [out, out, out],
  ) as [Tensor, Tensor, Tensor];
  return { m: m2, v: v2, update: u };
}

/** Σ x² over the elements of all `xs` (f32) as an f32 [1] on their device: a global norm's square in a few dispatches. */
export function sumOfSquares(xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new TensorError('sumOfSquares', 'needs at least one tensor');
  for (const x of xs) if (x.dtype !== 'f32') throw new TensorError('sumOfSquares', `inputs must be f32, got ${x.dtype} ${fmtShape(x.shape)}`);
  return run1('sumOfSquares', xs, {}, { shape: [1], dtype: 'f32' });
}
