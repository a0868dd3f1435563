import { add, mean, mul, rmsNormBackward, rsqrt, runPrimitive, square, sub, type Tensor } from '@mmada/tensor';
import { sumToShape } from '../sum-to-shape.js';
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

/**
 * One fused kernel (rmsNormBackward); the weight's per-element gradient is summed over rows by the accumulator, or
 * here when the weight has gathered a gradient elsewhere (a tied weight), which is then added to it.
 */
function rmsNormVjp({ params, inputs, inputShapes }: VjpContext<'rmsNorm'>, ct: Tensor, gathered: readonly (Tensor | null | undefined)[]): (Tensor | null)[] {
  const { dx, dwRows } = rmsNormBackward(inputs[0]!, params.hasWeight ? inputs[1]! : null, ct, params.eps, gathered[0] ?? undefined);
  if (!params.hasWeight) return [dx];
  return [dx, gathered[1] ? add(sumToShape(dwRows!, inputShapes[1]!), gathered[1]) : dwRows];
}

export const rmsNormRule: DifferentiableRule<'rmsNorm'> = rule<'rmsNorm'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: (ctx, [ct]) => (ct ? rmsNormVjp(ctx, ct, []) : [null, null]),
  // x's gradient from a residual connection is added as dx is written
  vjpAccumulating: (ctx, [ct], gathered) => (ct ? rmsNormVjp(ctx, ct, gathered) : [...gathered]),
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

/**
 * One fused primitive (groupNormBackward): dx, the weight's and bias's gradients. What an input gathered elsewhere
 * (when offered) is included: x's in the kernel (a residual connection), a weight's or bias's by an add (a parameter
 * used twice).
 */
function groupNormVjp({ params, inputs, inputShapes }: VjpContext<'groupNorm'>, ct: Tensor | null, gathered: readonly (Tensor | null | undefined)[]): (Tensor | null)[] {
  const n = 1 + (params.hasWeight ? 1 : 0) + (params.hasBias ? 1 : 0);
  if (!ct) return Array.from({ length: n }, (_, i) => gathered[i] ?? null);
  const shape = inputShapes[0]!;
  const param = { shape: [shape[1]!], dtype: 'f32' as const };
  const addend = gathered[0] ?? null;
  // with silu the kernel recomputes y, which needs the bias
  const bias = params.silu && params.hasBias ? [inputs[params.hasWeight ? 2 : 1]!] : [];
  const ins = [inputs[0]!, ...(params.hasWeight ? [inputs[1]!] : []), ...bias, ct, ...(addend ? [addend] : [])];
  const outs = runPrimitive('groupNormBackward', ins, { ...params, hasAddend: addend !== null }, [
    { shape, dtype: 'f32' },
    ...(params.hasWeight ? [param] : []),
    ...(params.hasBias ? [param] : []),
  ]);
  return outs.map((g, i) => (i > 0 && gathered[i] ? add(g, gathered[i]!) : g));
}

export const groupNormRule: DifferentiableRule<'groupNorm'> = rule<'groupNorm'>({
  saves: ({ hasWeight, hasBias, silu }) => ({ inputs: [0, ...(hasWeight ? [1] : []), ...(silu && hasBias ? [hasWeight ? 2 : 1] : [])] }),
  vjp: (ctx, [ct]) => groupNormVjp(ctx, ct ?? null, []),
  // x's gradient from a residual connection is added as dx is written
  vjpAccumulating: (ctx, [ct], gathered) => groupNormVjp(ctx, ct ?? null, gathered),
});
