import {
  activationBackward, add, cast, cos, div, eq, exp, gt, log, mul, neg, pow, sign, sin, square, sub, where, zerosLike,
  type BinaryOp, type Tensor, type UnaryOp,
} from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** d/dx of each unary op, given the input x, the output y and the cotangent; null = zero gradient. */
type UnaryDerivative = { readonly uses: 'x' | 'y'; readonly vjp: (x: Tensor, y: Tensor, ct: Tensor) => Tensor } | null;

const UNARY: { readonly [op in UnaryOp]: UnaryDerivative } = {
  neg: { uses: 'x', vjp: (_x, _y, ct) => neg(ct) },
  abs: { uses: 'x', vjp: (x, _y, ct) => mul(ct, sign(x)) },
  exp: { uses: 'y', vjp: (_x, y, ct) => mul(ct, y) },
  log: { uses: 'x', vjp: (x, _y, ct) => div(ct, x) },
  sqrt: { uses: 'y', vjp: (_x, y, ct) => div(mul(ct, 0.5), y) },
  // y = x^-1/2 -> dy/dx = -y³/2
  rsqrt: { uses: 'y', vjp: (_x, y, ct) => mul(ct, mul(mul(y, square(y)), -0.5)) },
  sin: { uses: 'x', vjp: (x, _y, ct) => mul(ct, cos(x)) },
  cos: { uses: 'x', vjp: (x, _y, ct) => neg(mul(ct, sin(x))) },
  tanh: { uses: 'y', vjp: (_x, y, ct) => mul(ct, sub(1, square(y))) },
  sigmoid: { uses: 'y', vjp: (_x, y, ct) => mul(ct, mul(y, sub(1, y))) },
  // relu'(0) = 0, as PyTorch and JAX
  relu: { uses: 'x', vjp: (x, _y, ct) => where(gt(x, 0), ct, 0) },
  square: { uses: 'x', vjp: (x, _y, ct) => mul(ct, mul(x, 2)) },
  reciprocal: { uses: 'y', vjp: (_x, y, ct) => neg(mul(ct, square(y))) },
  erf: { uses: 'x', vjp: (x, _y, ct) => mul(ct, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)) },
  // the smooth activations' derivatives in one kernel each (activationBackward): silu'(x) = s·(1 + x·(1 − s)) with
  // s = sigmoid(x), gelu'(x) = Φ(x) + x·φ(x), and the tanh approximation's derivative
  silu: { uses: 'x', vjp: (x, _y, ct) => activationBackward('silu', x, ct) },
  geluErf: { uses: 'x', vjp: (x, _y, ct) => activationBackward('geluErf', x, ct) },
  geluTanh: { uses: 'x', vjp: (x, _y, ct) => activationBackward('geluTanh', x, ct) },
  // piecewise constant: zero gradient almost everywhere
  sign: null,
  floor: null,
  round: null,
  logicalNot: null,
  bitsToUnit: null,
};


export const unaryRule: DifferentiableRule<'unary'> = rule<'unary'>({
  saves: ({ op }) => (UNARY[op]?.uses === 'y' ? { outputs: [0] } : UNARY[op] ? { inputs: [0] } : {}),
  vjp: ({ params, inputs, outputs }, [ct]) => {
    const d = UNARY[params.op];
    if (!d || !ct) return [null];
    return [d.vjp(inputs[0]!, outputs[0]!, ct)];
  },
});

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']);

export const binaryRule: DifferentiableRule<'binary'> = rule<'binary'>({
  saves: ({ op }) => (op === 'add' || op === 'sub' || COMPARISONS.has(op) ? {} : op === 'pow' ? { inputs: [0, 1], outputs: [0] } : { inputs: [0, 1] }),
  // an operand that carries no gradient back (a constant, a loss weight) gets none computed
  vjp: ({ params, inputs, outputs, traced }, [ct]) => {
    if (!ct) return [null, null];
    const a = inputs[0]!;
    const b = inputs[1]!;
    const [ta, tb] = [traced[0] ?? true, traced[1] ?? true];
    switch (params.op) {
      case 'add':
        return [ct, ct];
      case 'sub':
        return [ct, tb ? neg(ct) : null];
      case 'mul':
        return [ta ? mul(ct, b) : null, tb ? mul(ct, a) : null];
      case 'div': {
        const da = div(ct, b);
        return [ta ? da : null, tb ? neg(div(mul(da, a), b)) : null];
      }
      case 'pow': {
        // d/da = b·a^(b−1); d/db = ln(a)·a^b, taken as 0 where a ≤ 0 (as JAX)
        const y = outputs[0]!;
        const da = ta ? mul(ct, mul(b, pow(a, sub(b, 1)))) : null;
        if (!tb) return [da, null];
        const positive = gt(a, 0);
        const db = where(positive, mul(ct, mul(y, log(where(positive, a, 1)))), 0);
        return [da, db];
      }
      case 'maximum':
      case 'minimum': {
        // ties split the gradient evenly, as JAX does
        const wins = params.op === 'maximum' ? gt(a, b) : gt(b, a);
        const share = add(cast(wins, 'f32'), mul(cast(eq(a, b), 'f32'), 0.5));
        return [ta ? mul(ct, share) : null, tb ? mul(ct, sub(1, share)) : null];
      }
      default:
        return [null, null];
    }
  },
});

/** cond ? a : b — the condition gets no gradient. */
export const whereRule: DifferentiableRule<'where'> = rule<'where'>({
  differentiableInputs: [1, 2],
  saves: () => ({ inputs: [0] }),
  vjp: ({ inputs, traced }, [ct]) => {
    if (!ct) return [null, null, null];
    const zero = zerosLike(ct);
    return [null, (traced[1] ?? true) ? where(inputs[0]!, ct, zero) : null, (traced[2] ?? true) ? where(inputs[0]!, zero, ct) : null];
  },
});

/** float -> float casts pass the gradient back in the input's dtype; casts to integers stop it. */
export const castRule: DifferentiableRule<'cast'> = rule<'cast'>({
  saves: () => ({}),
  vjp: ({ inputDtypes }, [ct]) => (ct ? [cast(ct, inputDtypes[0]!)] : [null]),
});

