import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps, resultLike } from './nn-util.js';
import { castRaw, toRank } from './util.js';

export interface AttentionOptions {
  /**
   * [B, T] padding mask, nonzero = real token (needs Tq = Tk = T). Upstream MMaDA's symmetric semantics:
   * position pair (i, j) is kept iff both are real; others get −3.4028235e38 added to the score, so pad
   * query rows attend uniformly over all keys (their outputs are meaningless but finite).
   */
  keyPadMask?: Tensor;
  /** Additive score bias broadcastable to [B, H, Tq, Tk]. */
  bias?: Tensor;
  /** Score scale; default 1 / sqrt(D). */
  scale?: number;
  /**
   * v is [B, Tk, H, Dv] and the result [B, Tq, H, Dv] (token-major: a linear layer's output reshaped, and what the
   * output projection reads), so neither v's head split nor the output's head merge is a copy. q and k stay
   * [B, H, T, D]. Default false.
   */
  tokenMajorValues?: boolean;
}

/**
 * Bidirectional scaled dot-product attention: softmax(q·kᵀ·scale + bias + mask)·v over q [B, H, Tq, D],
 * k [B, H, Tk, D], v [B, H, Tk, Dv] -> [B, H, Tq, Dv] (v and the result [B, T, H, Dv] with `tokenMajorValues`).
 * One fused kernel on webgpu (scores never stored).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const shapes = `q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) throw new TensorError('attention', `q, k, v must be [B, H, T, D]; got ${shapes}`);
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const tm = opts.tokenMajorValues ?? false;
  if (!shapesEqual(k.shape, [B, H, Tk, D]) || !shapesEqual(v.shape.slice(0, 3), tm ? [B, Tk, H] : [B, H, Tk])) {
    throw new TensorError('attention', `k must be [B, H, Tk, D] and v ${tm ? '[B, Tk, H, Dv]' : '[B, H, Tk, Dv]'} for q [B, H, Tq, D]; got ${shapes}`);
  }
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const { keyPadMask, bias } = opts;
  if (keyPadMask && (Tq !== Tk || !shapesEqual(keyPadMask.shape, [B, Tk]))) {
    throw new TensorError('attention', `keyPadMask must be [B, T] = [${B}, ${Tk}] with Tq = Tk; got ${fmtShape(keyPadMask.shape)} for ${shapes}`);
  }
  if (bias) {
    if (bias.rank > 4 || !shapesEqual(broadcastShapes('attention', bias.shape, [B, H, Tq, Tk]), [B, H, Tq, Tk])) {
      throw new TensorError('attention', `bias ${fmtShape(bias.shape)} does not broadcast to [B, H, Tq, Tk] = [${B}, ${H}, ${Tq}, ${Tk}]`);
    }
  }
  const temps: Tensor[] = [];
  const cast = (what: string, t: Tensor): Tensor => {
    const r = floatInput('attention', what, t);
    temps.push(r);
    return r;
  };
  const inputs = [cast('q', q), cast('k', k), cast('v', v)];
  if (keyPadMask) {
    const m = castRaw(keyPadMask, 'bool');
    temps.push(m);
    inputs.push(m);
  }
  if (bias) {
    const b4 = toRank(cast('bias', bias), 4);
    temps.push(b4);
    inputs.push(b4);
  }
  const Dv = v.shape[3]!;
  const y = run1('attention', inputs, { scale, hasMask: !!keyPadMask, hasBias: !!bias, tokenMajorValues: tm }, { shape: tm ? [B, Tq, H, Dv] : [B, H, Tq, Dv], dtype: 'f32' });
  releaseTemps(temps, [q, k, v, keyPadMask, bias]);
  return resultLike(y, q.dtype);
}
