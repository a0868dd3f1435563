import { add, mean, mul, reshape, rmsNormBackward, rsqrt, square, sub, sum, type Tensor } from '@mmada/tensor';
import { rule, type DifferentiableRule, type VjpContext } from '../vjp-rule.js';

/**
 * Normalisation backward over `axes` (the statistics axes): with xhat the normalised input, r = 1/σ and
 * g = ct·weight, dx = r·(g − mean(g) − xhat·mean(g·xhat)) (layer/group norm) or r·(g − xhat·mean(g·xhat)) (rms).
 */
function normBackward(g: Tensor, xhat: Tensor, r: Tensor, axes: number[], centred: boolean): Tensor {
  const proj = mul(xhat, mean(mul(g, xhat), axes, { keepDims: true }));
  const inner = centred ? sub(sub(g, mean(g, axes, { keepDims: true })), proj) : sub(g, proj);
  return mul(r, inner);
}

/** One fused kernel (rmsNormBackward); the weight's per-element gradient is summed over rows by the accumulator. */
function rmsNormVjp({ params, inputs }: VjpContext<'rmsNorm'>, ct: Tensor | null, gathered: Tensor | null): (Tensor | null)[] {
  if (!ct) return [gathered, null];
  const { dx, dwRows } = rmsNormBackward(inputs[0]!, params.hasWeight ? inputs[1]! : null, ct, params.eps, gathered ?? undefined);
  return params.hasWeight ? [dx, dwRows] : [dx];
}

export const rmsNormRule: DifferentiableRule<'rmsNorm'> = rule<'rmsNorm'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: (ctx, [ct]) => rmsNormVjp(ctx, ct ?? null, null),
  // x's gradient from a residual connection is added as dx is written
  vjpAccumulating: (ctx, [ct], [gathered]) => rmsNormVjp(ctx, ct ?? null, gathered ?? null),
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
