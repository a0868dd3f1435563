import { attentionBackward, type Tensor } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/**
 * Attention backward through the fused `attentionBackward` primitive (FlashAttention-2 style on webgpu: no
 * [B, H, Tq, Tk] buffer). With s = scale·q·kᵀ + bias + maskTerm, p = softmax(s), out = p·v and Δ = Σ ct·out:
 *   dv = pᵀ·ct,  ds = p·(ct·vᵀ − Δ) (0 at masked pairs, whose score is the constant −3.4e38 in f32),
 *   dq = scale·ds·k,  dk = scale·dsᵀ·q,  dbias = ds ([B, H, Tq, Tk], summed down to the bias's shape).
 * A pad query row (uniform attention) thus gets no gradient into q, k or bias; it still feeds v.
 */
export const attentionRule: DifferentiableRule<'attention'> = rule<'attention'>({
  saves: ({ hasMask, hasBias }) => ({ inputs: [0, 1, 2, 3, 4].slice(0, 3 + (hasMask ? 1 : 0) + (hasBias ? 1 : 0)), outputs: [0] }),
  vjp: ({ params, inputs, outputs }, [ct]) => {
    const n = 3 + (params.hasMask ? 1 : 0) + (params.hasBias ? 1 : 0);
    if (!ct) return new Array(n).fill(null);
    const [q, k, v] = [inputs[0]!, inputs[1]!, inputs[2]!];
    const mask = params.hasMask ? inputs[3]! : undefined;
    const bias = params.hasBias ? inputs[params.hasMask ? 4 : 3]! : undefined;
    const g = attentionBackward({ q, k, v, mask, bias, out: outputs[0]!, gradOut: ct, scale: params.scale, tokenMajorValues: params.tokenMajorValues });
    const out: (Tensor | null)[] = [g.dq, g.dk, g.dv];
    if (params.hasMask) out.push(null);
    if (params.hasBias) out.push(g.dscores!);
    return out;
  },
});
