import type { Kernel } from '../backend.js';
import { attentionInputs, scoreRow, valueRow } from './attention-scores.js';
import { CpuStorage, values } from './storage.js';

/**
 * The backward of attention in doubles, one query row at a time: the row's scores are recomputed exactly as the
 * forward kernel computes them (score arithmetic rounded to f32), p = softmax(s), Δ_i = gradOut_i·out_i, then
 * dv_j += p_ij·gradOut_i, ds_ij = p_ij·(gradOut_i·v_j − Δ_i) (0 for pairs the mask drops), dq_i = scale·Σ_j ds_ij·k_j,
 * dk_j += scale·ds_ij·q_i; dscores (when hasBias) = ds.
 */
export const attentionBackward: Kernel<'attentionBackward'> = (inputs, { scale, hasMask, hasBias, tokenMajorValues }) => {
  const [q, k, v] = [inputs[0]!, inputs[1]!, inputs[2]!];
  let at = 3;
  const maskRef = hasMask ? inputs[at++]! : null;
  const biasRef = hasBias ? inputs[at++]! : null;
  const out = values(inputs[at++]!);
  const gout = values(inputs[at]!);
  const { x, v: vv, dims: [B, H, Tq, Tk, D, Dv] } = attentionInputs(q, k, v, maskRef, biasRef, scale);
  const vq = x.q;
  const vk = x.k;
  const dq = new Float32Array(B * H * Tq * D);
  const dkAcc = new Float64Array(B * H * Tk * D);
  const dvAcc = new Float64Array(B * H * Tk * Dv);
  const dscores = hasBias ? new Float32Array(B * H * Tq * Tk) : null;
  const s = new Float64Array(Tk);
  const kept = new Uint8Array(Tk);
  const dqRow = new Float64Array(D);
  const row = valueRow(H, tokenMajorValues);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const bh = b * H + h;
        const qo = (bh * Tq + i) * D;
        const oo = row(b, h, i, Tq) * Dv;
        const max = scoreRow(x, b, h, i, s, kept);
        if (max === -Infinity) continue; // every score -Infinity: the output is the constant 0
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += s[j] = Math.exp(s[j]! - max);
        let delta = 0;
        for (let d = 0; d < Dv; d++) delta += gout[oo + d]! * out[oo + d]!;
        dqRow.fill(0);
        for (let j = 0; j < Tk; j++) {
          const p = s[j]! / sum;
          const vo = row(b, h, j, Tk) * Dv;
          let dp = 0;
          for (let d = 0; d < Dv; d++) {
            dvAcc[vo + d]! += p * gout[oo + d]!;
            dp += gout[oo + d]! * vv[vo + d]!;
          }
          const ds = kept[j] ? p * (dp - delta) : 0;
          if (dscores) dscores[(bh * Tq + i) * Tk + j] = ds;
          if (ds === 0) continue;
          const ko = (bh * Tk + j) * D;
          for (let d = 0; d < D; d++) {
            dqRow[d]! += ds * vk[ko + d]!;
            dkAcc[ko + d]! += ds * vq[qo + d]!;
          }
        }
        for (let d = 0; d < D; d++) dq[qo + d] = scale * dqRow[d]!;
      }
  const dk = Float32Array.from(dkAcc, (x) => scale * x);
  const outs = [new CpuStorage(dq), new CpuStorage(dk), new CpuStorage(Float32Array.from(dvAcc))];
  if (dscores) outs.push(new CpuStorage(dscores));
  return outs;
};
