import type { DeviceName } from '../backend.js';
import type { DType } from '../dtype.js';
import { run1 } from '../engine.js';
import { TensorError } from '../errors.js';
import { checkShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, bitsToUnit, cos, floor, log, lt, maximum, mul, neg, sqrt, sub, clamp } from '../ops/elementwise.js';
import { argmax } from '../ops/reduce.js';
import { argsort } from '../ops/sort.js';
import { castRaw } from '../ops/util.js';
import { split, type PRNGKey } from './key.js';

/**
 * Samplers built on `randomBits` (threefry2x32 of the key and the element index), so a key gives
 * the same numbers on every device. Composite ops only: autograd needs no rules for them.
 */
export interface RandomOptions {
  device?: DeviceName;
}

function checkKey(op: string, k: PRNGKey): void {
  if (!k || k.kind !== 'PRNGKey') throw new TensorError(op, 'first argument must be a PRNGKey from key(seed) or split(k)');
}

/** Raw u32 bits. */
export function randomBits(k: PRNGKey, shape: Shape, opts: RandomOptions = {}): Tensor {
  checkKey('randomBits', k);
  checkShape('randomBits', shape);
  return run1('randomBits', [], { key: k.words }, { shape: [...shape], dtype: 'u32' }, opts.device);
}

/** Uniform in [minval, maxval) (f32; 23 random mantissa bits). */
export function uniform(k: PRNGKey, shape: Shape, opts: RandomOptions & { minval?: number; maxval?: number } = {}): Tensor {
  const bits = randomBits(k, shape, opts);
  const u = bitsToUnit(bits);
  bits.dispose();
  const lo = opts.minval ?? 0;
  const hi = opts.maxval ?? 1;
  if (lo === 0 && hi === 1) return u;
  const s = mul(u, hi - lo);
  const y = add(s, lo);
  u.dispose();
  s.dispose();
  return y;
}

/** Standard normal (Box–Muller on two independent uniforms). */
export function normal(k: PRNGKey, shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const [k1, k2] = split(k, 2) as [PRNGKey, PRNGKey];
  const u1 = uniform(k1, shape, opts);
  const u2 = uniform(k2, shape, opts);
  const oneMinus = sub(1, u1); // in (0, 1], so the log is finite
  const l = log(oneMinus);
  const m2 = mul(l, -2);
  const r = sqrt(m2);
  const ang = mul(u2, 2 * Math.PI);
  const c = cos(ang);
  let z = mul(r, c);
  for (const t of [u1, u2, oneMinus, l, m2, r, ang, c]) t.dispose();
  if (opts.std !== undefined && opts.std !== 1) {
    const s = mul(z, opts.std);
    z.dispose();
    z = s;
  }
  if (opts.mean !== undefined && opts.mean !== 0) {
    const s = add(z, opts.mean);
    z.dispose();
    z = s;
  }
  return z;
}

/** Standard Gumbel: −log(−log u), with u kept inside (0, 1). */
export function gumbel(k: PRNGKey, shape: Shape, opts: RandomOptions = {}): Tensor {
  const u = uniform(k, shape, opts);
  const uc = clamp(u, 1e-20, 1 - 2 ** -24);
  const l1 = log(uc);
  const n1 = neg(l1);
  const l2 = log(n1);
  const g = neg(l2);
  for (const t of [u, uc, l1, n1, l2]) t.dispose();
  return g;
}

/** True with probability p (a number or a tensor broadcast against shape). */
export function bernoulli(k: PRNGKey, p: number | Tensor, shape: Shape, opts: RandomOptions = {}): Tensor {
  const u = uniform(k, shape, { device: opts.device ?? (typeof p === 'number' ? undefined : p.device) });
  const y = lt(u, p);
  u.dispose();
  return y;
}

/** Integers uniform in [low, high). */
export function randint(k: PRNGKey, shape: Shape, low: number, high: number, opts: RandomOptions & { dtype?: DType } = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new TensorError('randint', `need integers low < high, got ${low}, ${high}`);
  const u = uniform(k, shape, opts);
  const s = mul(u, high - low);
  const f = floor(s);
  const o = add(f, low);
  const m = maximum(o, low);
  const y = castRaw(clampTop(m, high - 1), opts.dtype ?? 'i32');
  for (const t of [u, s, f, o, m]) if (t !== y) t.dispose();
  return y;
}

function clampTop(x: Tensor, hi: number): Tensor {
  return clamp(x, -Infinity, hi);
}

/** Samples indices from softmax(logits) along axis (Gumbel-max: argmax(logits + Gumbel noise)). */
export function categorical(k: PRNGKey, logits: Tensor, axis = -1): Tensor {
  const g = gumbel(k, logits.shape, { device: logits.device });
  const s = add(logits, g);
  const y = argmax(s, axis);
  g.dispose();
  s.dispose();
  return y;
}

/** A random permutation of 0..n-1 (i32). */
export function permutation(k: PRNGKey, n: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new TensorError('permutation', `n must be a non-negative integer, got ${n}`);
  // Sorting 32 random bits per element: collisions (ties broken by index) are rare and harmless.
  const bits = randomBits(k, [n], opts);
  const y = argsort(bits);
  bits.dispose();
  return y;
}

