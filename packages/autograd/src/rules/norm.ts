import {
  add, attentionBackward, crossEntropyBackward, mean, mul, neg, reshape, rsqrt, runPrimitive, square, sub, sum, exp, type Tensor,
} from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

/** Runs a single-output f32 primitive of the given shape (the NN primitives have no frontend here). */
function prim<P extends 'softmax' | 'rope'>(name: P, inputs: Tensor[], params: Parameters<typeof runPrimitive<P>>[2], shape: readonly number[]): Tensor {
  return runPrimitive(name, inputs, params, [{ shape: [...shape], dtype: 'f32' }])[0]!;
}

const softmaxOf = (x: Tensor) => prim('softmax', [x], {}, x.shape);

/** dx = y·(ct − Σ ct·y). */
export const softmaxRule: DifferentiableRule<'softmax'> = rule<'softmax'>({
  saves: () => ({ outputs: [0] }),
  vjp: ({ outputs }, [ct]) => {
    if (!ct) return [null];
    const y = outputs[0]!;
    return [mul(y, sub(ct, sum(mul(ct, y), -1, { keepDims: true })))];
  },
});

/** dx = ct − softmax(x)·Σ ct, with softmax = exp(y). */
export const logSoftmaxRule: DifferentiableRule<'logSoftmax'> = rule<'logSoftmax'>({
  saves: () => ({ outputs: [0] }),
  vjp: ({ outputs }, [ct]) => {
    if (!ct) return [null];
    return [sub(ct, mul(exp(outputs[0]!), sum(ct, -1, { keepDims: true })))];
  },
});

/**
 * Normalisation backward over `axes` (the statistics axes): with xhat the normalised input, r = 1/σ and
 * g = ct·weight, dx = r·(g − mean(g) − xhat·mean(g·xhat)) (layer/group norm) or r·(g − xhat·mean(g·xhat)) (rms).
 */
function normBackward(g: Tensor, xhat: Tensor, r: Tensor, axes: number[], centred: boolean): Tensor {
  const proj = mul(xhat, mean(mul(g, xhat), axes, { keepDims: true }));
  const inner = centred ? sub(sub(g, mean(g, axes, { keepDims: true })), proj) : sub(g, proj);
  return mul(r, inner);
}

export const rmsNormRule: DifferentiableRule<'rmsNorm'> = rule<'rmsNorm'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    const x = inputs[0]!;
    const r = rsqrt(add(mean(square(x), -1, { keepDims: true }), params.eps));
    const xhat = mul(x, r);
    const w = params.hasWeight ? inputs[1]! : undefined;
    const g = w ? mul(ct, w) : ct;
    const dx = normBackward(g, xhat, r, [-1], false);
    return w ? [dx, mul(ct, xhat)] : [dx];
  },
});

export const layerNormRule: DifferentiableRule<'layerNorm'> = rule<'layerNorm'>({
  saves: ({ hasWeight }) => ({ inputs: hasWeight ? [0, 1] : [0] }),
  vjp: ({ params, inputs }, [ct]) => {
    const n = 1 + (params.hasWeight ? 1 : 0) + (params.hasBias ? 1 : 0);
    if (!ct) return new Array(n).fill(null);
    const x = inputs[0]!;
    const xc = sub(x, mean(x, -1, { keepDims: true }));
    const r = rsqrt(add(mean(square(xc), -1, { keepDims: true }), params.eps));
    const xhat = mul(xc, r);
    const g = params.hasWeight ? mul(ct, inputs[1]!) : ct;
    const out: (Tensor | null)[] = [normBackward(g, xhat, r, [-1], true)];
    if (params.hasWeight) out.push(mul(ct, xhat));
    if (params.hasBias) out.push(ct);
    return out;
  },
});

/** x [N, C, ...spatial] viewed as [N, G, C/G, S]; statistics over the last two axes. */
export const groupNormRule: DifferentiableRule<'groupNorm'> = rule<'groupNorm'>({
  saves: ({ hasWeight }) => ({ inputs: hasWeight ? [0, 1] : [0] }),
  vjp: ({ params, inputs, inputShapes }, [ct]) => {
    const n = 1 + (params.hasWeight ? 1 : 0) + (params.hasBias ? 1 : 0);
    if (!ct) return new Array(n).fill(null);
    const shape = inputShapes[0]!;
    const [N, C] = [shape[0]!, shape[1]!];
    const G = params.groups;
    const S = shape.slice(2).reduce((a, b) => a * b, 1);
    const grouped = [N, G, C / G, S];
    const x = reshape(inputs[0]!, grouped);
    const c = reshape(ct, grouped);
    const xc = sub(x, mean(x, [2, 3], { keepDims: true }));
    const r = rsqrt(add(mean(square(xc), [2, 3], { keepDims: true }), params.eps));
    const xhat = mul(xc, r);
    const g = params.hasWeight ? mul(c, reshape(inputs[1]!, [1, G, C / G, 1])) : c;
    const out: (Tensor | null)[] = [reshape(normBackward(g, xhat, r, [2, 3], true), shape)];
    if (params.hasWeight) out.push(reshape(sum(mul(c, xhat), [0, 3]), [C]));
    if (params.hasBias) out.push(reshape(sum(c, [0, 3]), [C]));
    return out;
  },
});

/** Rotation is orthogonal: the transpose rotates by the opposite angle, i.e. rope at negated positions. */
export const ropeRule: DifferentiableRule<'rope'> = rule<'rope'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    return [prim('rope', [ct, neg(inputs[1]!)], params, ct.shape), null];
  },
});

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
    const g = attentionBackward({ q, k, v, mask, bias, out: outputs[0]!, gradOut: ct, scale: params.scale });
    const out: (Tensor | null)[] = [g.dq, g.dk, g.dv];
    if (params.hasMask) out.push(null);
    if (params.hasBias) out.push(g.dscores!);
    return out;
  },
});

/**
 * d logits = ct·(softmax(logits) − onehot(target)), zero for rows whose target is ignoreIndex: one fused
 * `crossEntropyBackward` kernel per row (the probabilities are never stored).
 */
export const crossEntropyRule: DifferentiableRule<'crossEntropy'> = rule<'crossEntropy'>({
  differentiableInputs: [0],
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ params, inputs }, [ct]) => {
    if (!ct) return [null, null];
    return [crossEntropyBackward(inputs[0]!, inputs[1]!, ct, params.ignoreIndex), null];
  },
});
