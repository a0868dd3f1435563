import type { BinaryOp, UnaryOp } from '../primitives.js';
import type { DType } from '../dtype.js';

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26 refined with one Newton step on erfc's continued fraction is overkill for f32). */
export function erf(x: number): number {
  // A&S 7.1.26 has 1.5e-7 absolute error: well inside f32 tolerance of the tests.
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Round half to even, like numpy and WGSL `round`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function unaryFn(op: UnaryOp, dtype: DType): (x: number) => number {
  const int = dtype === 'i32' || dtype === 'u32';
  switch (op) {
    case 'neg':
      return dtype === 'u32' ? (x) => (-x >>> 0) : (x) => -x;
    case 'abs':
      return Math.abs;
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return sigmoid;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'square':
      return int ? (x) => Math.imul(x, x) : (x) => x * x;
    case 'reciprocal':
      return (x) => 1 / x;
    case 'sign':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'floor':
      return Math.floor;
    case 'round':
      return roundHalfEven;
    case 'logicalNot':
      return (x) => (x ? 0 : 1);
    case 'erf':
      return erf;
    case 'silu':
      return (x) => x * sigmoid(x);
    case 'geluTanh':
      return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'geluErf':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'bitsToUnit':
      return (x) => (x >>> 9) / 8388608;
  }
}

export function binaryFn(op: BinaryOp, dtype: DType): (a: number, b: number) => number {
  const int = dtype === 'i32' || dtype === 'u32';
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return int ? (a, b) => Math.imul(a, b) : (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'pow':
      return Math.pow;
    case 'maximum':
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
    case 'minimum':
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
    case 'eq':
      return (a, b) => +(a === b);
    case 'ne':
      return (a, b) => +(a !== b);
    case 'lt':
      return (a, b) => +(a < b);
    case 'le':
      return (a, b) => +(a <= b);
    case 'gt':
      return (a, b) => +(a > b);
    case 'ge':
      return (a, b) => +(a >= b);
    case 'logicalAnd':
      return (a, b) => +(!!a && !!b);
    case 'logicalOr':
      return (a, b) => +(!!a || !!b);
  }
}
