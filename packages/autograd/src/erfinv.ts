import { add, log, mul, neg, scopeSync, sub, square, type Tensor } from '@mmada/tensor';

/**
 * Inverse error function for |x| ≤ 0.9966 (where w = −ln(1 − x²) < 5), Giles' single-precision
 * polynomial ("Approximating the erfinv function", GPU Computing Gems, 2011): relative error ≈ 1e-7.
 * Enough for truncated normals up to ±2.9σ; beyond that range the result is inaccurate.
 */
export function erfinvCentral(x: Tensor): Tensor {
  return scopeSync(() => erfinvPolynomial(x));
}

function erfinvPolynomial(x: Tensor): Tensor {
  const w = sub(neg(log(sub(1, square(x)))), 2.5);
  const coefficients = [
    2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
    1.50140941,
  ];
  let p: Tensor = add(mul(w, 0), coefficients[0]!);
  for (const c of coefficients.slice(1)) p = add(mul(p, w), c);
  return mul(p, x);
}
