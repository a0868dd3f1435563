import type { TensorRef } from '../backend.js';
import { broadcastStrides } from '../shape.js';
import { values } from './storage.js';

/** The additive bias of a pad-masked score (torch.finfo(float32).min, as upstream). */
export const MASKED_SCORE = -3.4028234663852886e38;

/** What one query row's scores are computed from (flat arrays in [B, H, T, D] order). */
export interface ScoreInputs {
  readonly q: ArrayLike<number>;
  readonly k: ArrayLike<number>;
  readonly mask: ArrayLike<number> | null;
  readonly bias: ArrayLike<number> | null;
  /** strides of the bias broadcast to [B, H, Tq, Tk] */
  readonly biasStrides: readonly number[];
  readonly scale: number;
  readonly dims: readonly [B: number, H: number, Tq: number, Tk: number, D: number];
}

/**
 * Fills `scores[j]` with the scores of query row (b, h, i) exactly as the WebGPU kernels compute them (each step
 * rounded to f32): scale·q·k, plus the bias, plus MASKED_SCORE where the pad mask drops the pair (kept[j] = 0).
 * Returns the row maximum.
 */
export function scoreRow(x: ScoreInputs, b: number, h: number, i: number, scores: Float64Array, kept: Uint8Array): number {
  const [, H, Tq, Tk, D] = x.dims;
  const f = Math.fround;
  const qo = ((b * H + h) * Tq + i) * D;
  const bs = x.biasStrides;
  let max = -Infinity;
  for (let j = 0; j < Tk; j++) {
    const ko = ((b * H + h) * Tk + j) * D;
    let dot = 0;
    for (let d = 0; d < D; d++) dot += x.q[qo + d]! * x.k[ko + d]!;
    let score = f(x.scale * dot);
    if (x.bias) score = f(score + x.bias[b * bs[0]! + h * bs[1]! + i * bs[2]! + j * bs[3]!]!);
    kept[j] = x.mask && !(x.mask[b * Tq + i] && x.mask[b * Tk + j]) ? 0 : 1;
    if (!kept[j]) score = f(score + MASKED_SCORE);
    scores[j] = score;
    max = Math.max(max, score);
  }
  return max;
}

/** Row of v, out, gradOut or dv holding (b, h, t) of T: [B, H, T, ·], or [B, T, H, ·] when token-major. */
export function valueRow(H: number, tokenMajor: boolean): (b: number, h: number, t: number, T: number) => number {
  return tokenMajor ? (b, h, t, T) => (b * T + t) * H + h : (b, h, t, T) => (b * H + h) * T + t;
}

/** The attention kernels' inputs read out: q, k, v ([B, H, T, D] / [B, H, Tk, Dv]), the pad mask and the score bias. */
export interface AttentionInputs {
  readonly x: ScoreInputs;
  readonly v: ArrayLike<number>;
  readonly dims: readonly [B: number, H: number, Tq: number, Tk: number, D: number, Dv: number];
}

export function attentionInputs(q: TensorRef, k: TensorRef, v: TensorRef, maskRef: TensorRef | null, biasRef: TensorRef | null, scale: number): AttentionInputs {
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const Dv = v.shape[3]!;
  const biasStrides = biasRef ? broadcastStrides(biasRef.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const x: ScoreInputs = {
    q: values(q), k: values(k), mask: maskRef ? values(maskRef) : null, bias: biasRef ? values(biasRef) : null, biasStrides, scale, dims: [B, H, Tq, Tk, D],
  };
  return { x, v: values(v), dims: [B, H, Tq, Tk, D, Dv] };
}
