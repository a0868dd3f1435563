import type { Kernel } from '../backend.js';
import { CpuStorage } from './storage.js';
import { attentionInputs, scoreRow, valueRow } from './attention-scores.js';

/** Naive two-pass softmax attention in doubles, with the score arithmetic rounded to f32 as a kernel does it. */
export const attention: Kernel<'attention'> = (inputs, { scale, hasMask, hasBias, tokenMajorValues }) => {
  const [q, k, v] = [inputs[0]!, inputs[1]!, inputs[2]!];
  const { x, v: vv, dims: [B, H, Tq, Tk, , Dv] } = attentionInputs(q, k, v, hasMask ? inputs[3]! : null, hasBias ? inputs[hasMask ? 4 : 3]! : null, scale);
  const out = new Float32Array(B * H * Tq * Dv);
  const row = valueRow(H, tokenMajorValues);
  const s = new Float64Array(Tk);
  const kept = new Uint8Array(Tk);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const max = scoreRow(x, b, h, i, s, kept);
        const oo = row(b, h, i, Tq) * Dv;
        if (max === -Infinity) continue; // every score -Infinity: output 0
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += s[j] = Math.exp(s[j]! - max);
        for (let j = 0; j < Tk; j++) {
          const p = s[j]! / sum;
          const vo = row(b, h, j, Tk) * Dv;
          for (let d = 0; d < Dv; d++) out[oo + d]! += p * vv[vo + d]!;
        }
      }
  return [new CpuStorage(out)];
};
