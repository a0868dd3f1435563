import { cast, dispose, expandDims, logicalAnd, lt, uniform, where, type PRNGKey, type Tensor } from '@mmada/tensor';
import { rankAlongLastAxis } from './ranks.js';

/**
 * Chooses exactly `counts[b]` maskable positions of each row uniformly at random (the first counts[b]
 * positions of a random permutation of the row's maskable positions). Returns bool [B, L].
 * `maskable` is bool/int [B, L]; `counts` is [B] (or [B, 1]) integers; counts above the number of maskable
 * positions mask all of them.
 */
export function maskExactCount(k: PRNGKey, maskable: Tensor, counts: Tensor): Tensor {
  const allowed = cast(maskable, 'bool');
  const u = uniform(k, maskable.shape, { device: maskable.device });
  // Positions that may not be masked sort after every maskable one (uniform is < 1).
  const scores = where(allowed, u, 2);
  const rank = rankAlongLastAxis(scores, false);
  const c = counts.rank === 1 ? expandDims(counts, -1) : counts;
  const chosen = lt(rank, c);
  const masked = logicalAnd(chosen, allowed);
  dispose([allowed, u, scores, rank, chosen]);
  if (c !== counts) c.dispose();
  return masked;
}
