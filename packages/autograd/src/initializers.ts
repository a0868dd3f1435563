import { cast, clamp, full, mul, normal, scopeSync, uniform, type DType, type DeviceName, type PRNGKey, type Shape, type Tensor } from '@mmada/tensor';
import { erfinvCentral } from './erfinv.js';

/** Makes a parameter tensor from a PRNG key (ignored by the constant initialisers). */
export type Initializer = (key: PRNGKey, shape: Shape, options?: { dtype?: DType; device?: DeviceName }) => Tensor;

/** N(0, std²) (upstream MMaDA/LLaDA init std 0.02). */
export function normalInit(std = 0.02): Initializer {
  return (key, shape, options = {}) => withDtype(normal(key, shape, { std, device: options.device }), options.dtype);
}

/**
 * N(0, std²) truncated to [−2·std, 2·std], by inverse-CDF sampling exactly as torch.nn.init.trunc_normal_:
 * u ~ U(2Φ(−2)−1, 2Φ(2)−1), x = √2·std·erfinv(u), clamped to the bounds.
 */
export function truncatedNormalInit(std = 0.02): Initializer {
  const lo = 2 * PHI_MINUS_2 - 1;
  const hi = 2 * (1 - PHI_MINUS_2) - 1;
  return (key, shape, options = {}) =>
    withDtype(
      scopeSync(() => {
        const u = uniform(key, shape, { minval: lo, maxval: hi, device: options.device });
        return clamp(mul(erfinvCentral(u), Math.SQRT2 * std), -2 * std, 2 * std);
      }),
      options.dtype,
    );
}

export function zerosInit(): Initializer {
  return (_key, shape, options = {}) => full(shape, 0, options.dtype ?? 'f32', { device: options.device });
}

export function onesInit(): Initializer {
  return (_key, shape, options = {}) => full(shape, 1, options.dtype ?? 'f32', { device: options.device });
}

/** Φ(−2), the standard normal CDF at −2. */
const PHI_MINUS_2 = 0.022750131948179195;

function withDtype(x: Tensor, dtype: DType | undefined): Tensor {
  if (!dtype || dtype === x.dtype) return x;
  const y = cast(x, dtype);
  x.dispose();
  return y;
}
