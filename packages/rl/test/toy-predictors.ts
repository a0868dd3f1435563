import { add, cast, eq, gather, mul, reshape, scopeSync, sum, tensor, type DeviceName, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';

/** Vocabulary of the toy predictors: tokens 0–4, MASK = 5. */
export const V = 6;
export const MASK = 5;
/** The MASK row of the table: logits ln w, so a masked position predicts token y with probability w[y] / 20. */
export const W = [1, 2, 3, 4, 5, 5];

/** The toy table [V, V]: row MASK is ln W; the other rows are arbitrary. */
export function toyTable(device?: DeviceName): Tensor {
  const data: number[] = [];
  for (let r = 0; r < V; r++) for (let v = 0; v < V; v++) data.push(r === MASK ? Math.log(W[v]!) : Math.sin(7 * r + v));
  return tensor(data, [V, V], 'f32', device ? { device } : {});
}

/** logits[b, i] = table[ids[b, i]]: context-free, so ℓ at a masked position is ln(W[y]/20) whatever else is masked. */
export function tablePredictor(table: Tensor): MaskPredictor {
  return (ids: Tensor) => gather(table, ids, 0);
}

/**
 * table lookup plus α·k on token 0, k = the number of MASK tokens in the row: the prediction depends on the
 * whole masked input. At a masked position ℓ(y, k) = ln W[y] + α·k·[y = 0] − ln(19 + e^{α·k}).
 */
export function countingPredictor(table: Tensor, alpha = 0.3): MaskPredictor {
  return (ids: Tensor) => {
    const [b] = ids.shape as [number, number];
    return scopeSync(() => {
      const count = reshape(sum(cast(eq(ids, MASK), 'f32'), -1), [b, 1, 1]);
      const e0 = tensor(Array.from({ length: V }, (_, v) => (v === 0 ? alpha : 0)), [1, 1, V], 'f32', { device: ids.device });
      return add(gather(table, ids, 0), mul(count, e0));
    });
  };
}

/** ℓ(y, k) of the counting predictor at a masked position (k = 0 gives the table predictor's ln(W[y]/20)). */
export function countingLogp(y: number, k: number, alpha = 0.3): number {
  return Math.log(W[y]!) + (y === 0 ? alpha * k : 0) - Math.log(19 + Math.exp(alpha * k));
}
