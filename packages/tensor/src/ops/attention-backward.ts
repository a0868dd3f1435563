import { runPrimitive } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps } from './nn-util.js';
import { castRaw } from './util.js';

/**
 * The fused backward pass of the attention primitive, for autograd's rule (it is not differentiable itself).
 * Its inputs are the tensors the forward primitive received.
 */

export interface AttentionBackwardInputs {
  /** q [B, H, Tq, D], k [B, H, Tk, D], v [B, H, Tk, Dv]. */
  q: Tensor;
  k: Tensor;
  v: Tensor;
  /** The forward's pad mask [B, T] (bool), if it had one. */
  mask?: Tensor;
  /** The forward's rank-4 bias broadcastable to [B, H, Tq, Tk], if it had one. */
  bias?: Tensor;
  /** The forward's output [B, H, Tq, Dv] and its cotangent. */
  out: Tensor;
  gradOut: Tensor;
  scale: number;
  /** v, out and gradOut are [B, T, H, Dv] (and so is dv), as the forward's `tokenMajorValues`. */
  tokenMajorValues?: boolean;
}

export interface AttentionGradients {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
  /** With a bias: d loss / d score, [B, H, Tq, Tk] (sum it down to the bias's shape). */
  dscores?: Tensor;
}

/**
 * For autograd: the gradients of `attention` (the `attentionBackward` primitive). Scores and probabilities are
 * recomputed from q, k (+ mask/bias), never stored: on webgpu one kernel computes dq (a workgroup per query tile,
 * streaming key tiles) and one computes dk and dv (a workgroup per key tile, streaming query tiles).
 */
export function attentionBackward(a: AttentionBackwardInputs): AttentionGradients {
  const { q, k, v, mask, bias, out, gradOut } = a;
  const shapes = `q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}, out ${fmtShape(out.shape)}, gradOut ${fmtShape(gradOut.shape)}`;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) throw new TensorError('attentionBackward', `q, k, v must be [B, H, T, D]; got ${shapes}`);
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const Dv = v.shape[3]!;
  const tm = a.tokenMajorValues ?? false;
  const vShape = tm ? [B, Tk, H, Dv] : [B, H, Tk, Dv];
  const outShape = tm ? [B, Tq, H, Dv] : [B, H, Tq, Dv];
  if (!shapesEqual(k.shape, [B, H, Tk, D]) || !shapesEqual(v.shape, vShape) || !shapesEqual(out.shape, outShape) || !shapesEqual(gradOut.shape, out.shape)) {
    const [vs, os] = tm ? ['[B, Tk, H, Dv]', '[B, Tq, H, Dv]'] : ['[B, H, Tk, Dv]', '[B, H, Tq, Dv]'];
    throw new TensorError('attentionBackward', `expected k [B, H, Tk, D], v ${vs}, out and gradOut ${os}; got ${shapes}`);
  }
  if (mask && (Tq !== Tk || !shapesEqual(mask.shape, [B, Tk]))) {
    throw new TensorError('attentionBackward', `mask must be [B, T] = [${B}, ${Tk}] with Tq = Tk; got ${fmtShape(mask.shape)} for ${shapes}`);
  }
  if (bias && (bias.rank !== 4 || !shapesEqual(broadcastShapes('attentionBackward', bias.shape, [B, H, Tq, Tk]), [B, H, Tq, Tk]))) {
    throw new TensorError('attentionBackward', `bias ${fmtShape(bias.shape)} must be rank 4 and broadcast to [${B}, ${H}, ${Tq}, ${Tk}]`);
  }
  const temps: Tensor[] = [];
  const f32 = (what: string, t: Tensor): Tensor => {
    const r = floatInput('attentionBackward', what, t);
    temps.push(r);
    return r;
  };
  const inputs = [f32('q', q), f32('k', k), f32('v', v)];
  if (mask) {
    const m = castRaw(mask, 'bool');
    temps.push(m);
    inputs.push(m);
  }
  if (bias) inputs.push(f32('bias', bias));
  inputs.push(f32('out', out), f32('gradOut', gradOut));
  const outs = [
    { shape: [B, H, Tq, D], dtype: 'f32' as const },
    { shape: [B, H, Tk, D], dtype: 'f32' as const },
    { shape: vShape, dtype: 'f32' as const },
  ];
  if (bias) outs.push({ shape: [B, H, Tq, Tk], dtype: 'f32' });
  const [dq, dk, dv, dscores] = runPrimitive('attentionBackward', inputs, { scale: a.scale, hasMask: !!mask, hasBias: !!bias, tokenMajorValues: tm }, outs);
  releaseTemps(temps, [q, k, v, mask, bias, out, gradOut]);
  return dscores ? { dq: dq!, dk: dk!, dv: dv!, dscores } : { dq: dq!, dk: dk!, dv: dv! };
}
