import { add, div, minimum, mul, sqrt, sum, square, type Tensor } from '@mmada/tensor';
import { mapTensors, tensorLeaves } from '../pytree.js';
import { scoped, type GradientTransformation } from './transformation.js';

/**
 * Scales all updates by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the L2 norm over every leaf together —
 * torch.nn.utils.clip_grad_norm_ (upstream uses max norm 1). Computed on the device: no readback.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<Record<string, never>> {
  return {
    init: () => ({}),
    update(updates, state) {
      const out = scoped(() => {
        const leaves = tensorLeaves(updates);
        if (leaves.length === 0) return mapTensors(updates, (g) => g);
        let total: Tensor | undefined;
        for (const g of leaves) {
          const s = sum(square(g));
          total = total ? add(total, s) : s;
        }
        const scale = minimum(div(maxNorm, add(sqrt(total!), 1e-6)), 1);
        return mapTensors(updates, (g: Tensor) => mul(g, scale));
      });
      return { updates: out, state };
    },
  };
}
