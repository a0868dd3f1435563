import type { Kernel } from '../backend.js';
import { broadcastStrides } from '../shape.js';
import { CpuStorage, values } from './storage.js';
import { scoreRow } from './attention-scores.js';


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
  const kept = new Uint8Array(Tk);
  const x = { q: vq, k: vk, mask, bias, biasStrides: bs, scale, dims: [B, H, Tq, Tk, D] as const };
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const max = scoreRow(x, b, h, i, s, kept);
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
