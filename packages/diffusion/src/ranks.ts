import { arange, argsort, dispose, putAlongAxis, zeros, type Tensor } from '@mmada/tensor';

/**
 * @internal Rank of every element along the last axis (0 = first in the order), as i32.
 * Descending: the largest value has rank 0; equal values rank the lower index first, so `rank < k` selects
 * exactly the top-k with the tie rule of `topk`, and it works with a different k per row (k a tensor).
 */
export function rankAlongLastAxis(x: Tensor, descending: boolean): Tensor {
  const n = x.shape[x.rank - 1]!;
  const order = argsort(x, { descending });
  const positions = arange(0, n, 1, 'i32', { device: x.device });
  const empty = zeros(x.shape, 'i32', { device: x.device });
  const rank = putAlongAxis(empty, order, positions, -1);
  dispose([order, positions, empty]);
  return rank;
}
