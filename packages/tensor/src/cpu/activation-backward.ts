import type { Kernel } from '../backend.js';
import type { ActivationOp } from '../primitives.js';
import { erf, sigmoid } from './scalar.js';
import { CpuStorage, values } from './storage.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** f'(x) of each activation, in doubles. */
export function activationDerivative(op: ActivationOp): (x: number) => number {
  switch (op) {
    case 'silu':
      return (x) => {
        const s = sigmoid(x);
        return s * (1 + x * (1 - s));
      };
    case 'geluErf':
      return (x) => 0.5 * (1 + erf(x * Math.SQRT1_2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
    case 'geluTanh':
      return (x) => {
        const t = Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
      };
  }
}

/** dx = gradOut · f'(x), one element at a time. */
export const activationBackward: Kernel<'activationBackward'> = ([x, gradOut], { op }) => {
  const [xs, ds] = [values(x!), values(gradOut!)];
  const d = activationDerivative(op);
  const dx = new Float32Array(xs.length);
  for (let i = 0; i < dx.length; i++) dx[i] = ds[i]! * d(xs[i]!);
  return [new CpuStorage(dx)];
};
