/**
 * ALiBi's additive attention bias as LLaDA's `modeling_llada.py` builds it (`alibi_attention_bias`): head h
 * (0-based) of H adds −|i − j| · 2^−((h+1) · alibi_bias_max / H) to the score of query position i against key
 * position j. Bidirectional, so the distance is absolute. Positions are absolute (left padding included), as RoPE's.
 */
import { abs, arange, mul, neg, reshape, scopeSync, sub, tensor, type Tensor } from '@mmada/tensor';

/** The per-head slopes 2^−((h+1) · biasMax / H), h = 0 … H−1. */
export function alibiSlopes(nHeads: number, biasMax: number): number[] {
  return Array.from({ length: nHeads }, (_, h) => 2 ** (-((h + 1) * biasMax) / nHeads));
}

/**
 * Bias [1, H, Tq, Tk] (f32) for queries at positions qStart … qStart+Tq−1 against keys at kStart … kStart+Tk−1,
 * on `device`.
 */
export function alibiBias(nHeads: number, biasMax: number, qStart: number, tq: number, kStart: number, tk: number, device: Tensor['device']): Tensor {
  return scopeSync(() => {
    const qPos = reshape(arange(qStart, qStart + tq, 1, 'f32', { device }), [tq, 1]);
    const kPos = reshape(arange(kStart, kStart + tk, 1, 'f32', { device }), [1, tk]);
    const distance = neg(abs(sub(qPos, kPos)));
    const slopes = tensor(alibiSlopes(nHeads, biasMax), [1, nHeads, 1, 1], 'f32', { device });
    return mul(reshape(distance, [1, 1, tq, tk]), slopes);
  });
}
