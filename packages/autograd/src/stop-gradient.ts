import { mapTensors } from './pytree.js';
import { alias } from './trace.js';

/**
 * The same values with no gradient flowing through (every tensor leaf of a pytree). Each tensor leaf is
 * a new tensor sharing the input's storage (no copy), owned by the caller like any op result.
 */
export function stopGradient<T>(x: T): T {
  return mapTensors(x, (t) => alias(t));
}
