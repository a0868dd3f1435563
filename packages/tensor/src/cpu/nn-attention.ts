import type { Kernel } from '../backend.js';
import { broadcastStrides } from '../shape.js';
import { CpuStorage, values } from './storage.js';

/** The additive bias of a pad-masked score (torch.finfo(float32).min, as upstream). */
export const MASKED_SCORE = -3.4028234663852886e38;

/** Naive two-pass softmax attention in doubles, with the score arithmetic rounded to f32 as a kernel does it. */
export const attention: Kernel<'attention'> = (inputs, { scale, hasMask, hasBias }) => {
  const [q, k, v] = inputs as [typeof inputs[0] & {}, typeof inputs[0] & {}, typeof inputs[0] & {}];
  const mask = hasMask ? values(inputs[3]!) : null;
  const biasRef = hasBias ? inputs[hasMask ? 4 : 3]! : null;
  const bias = biasRef ? values(biasRef) : null;
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  const Tk = k.shape[2]!;
  const Dv = v.shape[3]!;
  const bs = biasRef ? broadcastStrides(biasRef.shape, [B, H, Tq, Tk]) : [0, 0, 0, 0];
  const vq = values(q);
  const vk = values(k);
  const vv = values(v);
  const out = new Float32Array(B * H * Tq * Dv);
  const s = new Float64Array(Tk);
  const f = Math.fround;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const qo = ((b * H + h) * Tq + i) * D;
        let max = -Infinity;
        for (let j = 0; j < Tk; j++) {
          const ko = ((b * H + h) * Tk + j) * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += vq[qo + d]! * vk[ko + d]!;
          let score = f(scale * dot);
          if (bias) score = f(score + bias[b * bs[0]! + h * bs[1]! + i * bs[2]! + j * bs[3]!]!);
          if (mask && !(mask[b * Tq + i] && mask[b * Tk + j])) score = f(score + MASKED_SCORE);
          s[j] = score;
          max = Math.max(max, score);
        }
        const oo = ((b * H + h) * Tq + i) * Dv;
        if (max === -Infinity) continue; // every score -Infinity: output 0
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += s[j] = Math.exp(s[j]! - max);
        for (let j = 0; j < Tk; j++) {
          const p = s[j]! / sum;
          const vo = ((b * H + h) * Tk + j) * Dv;
          for (let d = 0; d < Dv; d++) out[oo + d]! += p * vv[vo + d]!;
        }
      }
  return [new CpuStorage(out)];
};
