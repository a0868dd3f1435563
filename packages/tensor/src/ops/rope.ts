import { runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps, resultLike } from './nn-util.js';
import { castRaw } from './util.js';

/** Options of `rope`. */
export interface RopeOptions {
  /**
   * x is [B, T, H, D] (heads not yet split from the tokens, as a linear layer's output reshaped) and the result
   * [B, H, T, D]: the head split and the rotation in one pass. Default false: x is [B, H, T, D].
   */
  readonly splitHeads?: boolean;
}

/**
 * Rotary position embedding in the NeoX / LLaMA rotate-half layout on x [B, H, T, D] (D even):
 * x' = x·cos θ + rotate_half(x)·sin θ with θ[p, j] = p · theta^(-2(j mod D/2)/D), all in f32 as upstream's
 * `rope_full_precision`. `positions` (integers) is [T] or [B, T]: absolute positions, pads included.
 * With `splitHeads`, x is [B, T, H, D] and the result is transposed to [B, H, T, D] in the same kernel.
 */
export function rope(x: Tensor, positions: Tensor, theta = 10000, options: RopeOptions = {}): Tensor {
  return ropeMany([x], positions, theta, options)[0]!;
}

/** `rope` of several tensors of one shape (queries and keys) at the same positions, in one kernel. */
export function ropeMany(xs: readonly Tensor[], positions: Tensor, theta = 10000, options: RopeOptions = {}): Tensor[] {
  const split = options.splitHeads ?? false;
  const x = xs[0];
  if (!x) throw new TensorError('rope', 'needs at least one tensor');
  if (x.rank !== 4) throw new TensorError('rope', `x must be ${split ? '[B, T, H, D]' : '[B, H, T, D]'}, got ${fmtShape(x.shape)}`);
  for (const o of xs) if (!shapesEqual(o.shape, x.shape)) throw new TensorError('rope', `every x must have one shape, got ${xs.map((t) => fmtShape(t.shape)).join(' and ')}`);
  const [B, d1, d2, D] = x.shape as [number, number, number, number];
  const [H, T] = split ? [d2, d1] : [d1, d2];
  if (D % 2 !== 0) throw new TensorError('rope', `the head dim D of ${fmtShape(x.shape)} must be even`);
  if (positions.dtype !== 'i32' && positions.dtype !== 'u32') throw new TensorError('rope', `positions must be i32, got ${positions.dtype}`);
  const okShape = (positions.rank === 1 && positions.shape[0] === T) || (positions.rank === 2 && positions.shape[0] === B && positions.shape[1] === T);
  if (!okShape) throw new TensorError('rope', `positions must be [${T}] or [${B}, ${T}] for x ${fmtShape(x.shape)}, got ${fmtShape(positions.shape)}`);
  if (!(theta > 0)) throw new TensorError('rope', `theta must be positive, got ${theta}`);
  const xf = xs.map((t) => floatInput('rope', 'x', t));
  const pos = castRaw(positions, 'i32');
  const params = { theta, inverse: false, layout: split ? ('splitHeads' as const) : ('same' as const), ...(xs.length > 1 ? { count: xs.length } : {}) };
  const ys = runPrimitive('rope', [...xf, pos], params, xs.map(() => ({ shape: [B, H, T, D], dtype: 'f32' as const })));
  releaseTemps([...xf, pos], [...xs, positions]);
  return ys.map((y, i) => resultLike(y, xs[i]!.dtype));
}
