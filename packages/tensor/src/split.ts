import { split as splitTensor } from './ops/layout.js';
import { isKey, split as splitKey, type PRNGKey } from './random/key.js';
import type { Tensor } from './tensor.js';

/**
 * `split(key, n)` derives n independent PRNG keys (as in JAX); `split(x, sections, axis)` splits a
 * tensor into equal parts or parts of given sizes (as in numpy). One name, dispatched on the first argument.
 */
export function split(k: PRNGKey, n?: number): PRNGKey[];
export function split(x: Tensor, sections: number | readonly number[], axis?: number): Tensor[];
export function split(a: PRNGKey | Tensor, b?: number | readonly number[], axis?: number): PRNGKey[] | Tensor[] {
  if (isKey(a)) return splitKey(a, (b as number | undefined) ?? 2);
  return splitTensor(a as Tensor, b as number | readonly number[], axis);
}
