import { add, cast, div, full, minimum, mul, scopeSync, sqrt, sumOfSquares, type Tensor } from '@mmada/tensor';
import { mapTensors, tensorLeaves } from '../pytree.js';
import { scoped, type GradientTransformation } from './transformation.js';

/** min(1, maxNorm / (‖g‖ + 1e-6)) as f32 [1] over every leaf; ‖g‖² from one `sumOfSquares`. */
export function globalNormScale(leaves: readonly Tensor[], maxNorm: number): Tensor {
  return scopeSync(() => {
    const total = sumOfSquares(leaves.map((g) => (g.dtype === 'f32' ? g : cast(g, 'f32'))));
    return minimum(div(maxNorm, add(sqrt(total), 1e-6)), 1);
  });
}

/**
 * Scales all updates by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the L2 norm over every leaf together —
 * torch.nn.utils.clip_grad_norm_ (upstream uses max norm 1). Computed on the device: no readback.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<Record<string, never>> {
  const scaleFor = (leaves: Tensor[]): Tensor => globalNormScale(leaves, maxNorm);
  return {
    clipNorm: maxNorm,
    init: () => ({}),
    update(updates, state) {
      const out = scoped(() => {
        const leaves = tensorLeaves(updates);
        if (leaves.length === 0) return mapTensors(updates, (g) => g);
        const scale = scaleFor(leaves);
        return mapTensors(updates, (g: Tensor) => mul(g, scale));
      });
      return { updates: out, state };
    },
    scaleOf(updates, state) {
      const leaves = tensorLeaves(updates);
      return { scale: leaves.length === 0 ? full([1], 1, 'f32') : scaleFor(leaves), state };
    },
  };
}
