import { threefry2x32 } from './threefry.js';
import { TensorError } from '../errors.js';

/**
 * A PRNG key: two u32 words held on the host. Keys are plain values (never device tensors),
 * so splitting one costs no GPU round trip; kernels take the words as uniforms.
 */
export interface PRNGKey {
  readonly kind: 'PRNGKey';
  readonly words: readonly [number, number];
}

export function key(seed: number): PRNGKey {
  if (!Number.isInteger(seed)) throw new TensorError('key', `seed must be an integer, got ${seed}`);
  // Like JAX: high and low 32 bits of the (up to 53-bit) seed.
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const lo = seed >>> 0;
  return { kind: 'PRNGKey', words: [hi, lo] };
}

export function keyFromWords(w0: number, w1: number): PRNGKey {
  return { kind: 'PRNGKey', words: [w0 >>> 0, w1 >>> 0] };
}

/** n independent keys derived from `k`: key i is threefry(k, (i, 1)). Counter word 1 = 1 keeps these apart from randomBits (word 1 = 0). */
export function split(k: PRNGKey, n = 2): PRNGKey[] {
  if (!Number.isInteger(n) || n < 1) throw new TensorError('split', `n must be a positive integer, got ${n}`);
  const out: PRNGKey[] = [];
  for (let i = 0; i < n; i++) {
    const [a] = threefry2x32(k.words[0], k.words[1], i, 1);
    const [b] = threefry2x32(k.words[0], k.words[1], i, 2);
    out.push({ kind: 'PRNGKey', words: [a, b] });
  }
  return out;
}

/** A key derived from `k` and an integer, e.g. a step number. */
export function foldIn(k: PRNGKey, data: number): PRNGKey {
  const [a] = threefry2x32(k.words[0], k.words[1], data >>> 0, 3);
  const [b] = threefry2x32(k.words[0], k.words[1], data >>> 0, 4);
  return { kind: 'PRNGKey', words: [a, b] };
}

export function isKey(x: unknown): x is PRNGKey {
  return typeof x === 'object' && x !== null && (x as PRNGKey).kind === 'PRNGKey';
}
