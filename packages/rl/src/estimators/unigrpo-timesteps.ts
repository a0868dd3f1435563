import { foldIn, type PRNGKey } from '@mmada/tensor';
import { hostUniform } from './host-uniform.js';

/**
 * How UniGRPO spreads the masking timesteps of the μ inner iterations (spec rl.md §3, Quirk 9):
 * - `stratified` (default): t_n = ⌊t₁ + (n−1)·T/μ⌋ mod T, one timestep in each of μ equal strata of [0, T) —
 *   the paper's prose example (t₁ = 100, μ = 5 → 100, 300, 500, 700, 900);
 * - `paper-formula`: Algorithm 1 line 13, t_n = ⌊(n−1)/(μ−1)·(T − t₁) + t₁⌋ (its last timestep is T: the
 *   whole answer is masked);
 * - `igpo`: IGPO's t_n = ⌊n/(μ−1)·(T − t₀) + t₀⌋ for n = 0 … μ−1 — the same values as `paper-formula` for the
 *   same t₁; IGPO differs in how t₀ is drawn (see `drawT1`);
 * - `random`: t₁ then an independent ⌊u·T⌋ for every later iteration (the paper's Fig. 4 baseline).
 */
export type TimestepRule = 'stratified' | 'paper-formula' | 'igpo' | 'random';

/**
 * The μ masking timesteps t_1 … t_μ (integers in [0, T]) of one prompt's inner iterations; mask ratio = t_n / T.
 * `key` is needed only by the `random` rule: iteration n ≥ 2 draws from foldIn(key, n).
 */
export function unigrpoTimesteps(t1: number, mu: number, T: number, rule: TimestepRule = 'stratified', key?: PRNGKey): number[] {
  if (!Number.isInteger(mu) || mu < 1) throw new RangeError(`unigrpoTimesteps: mu must be a positive integer, got ${mu}`);
  if (!(T > 0)) throw new RangeError(`unigrpoTimesteps: T must be positive, got ${T}`);
  if (!(t1 >= 0 && t1 <= T)) throw new RangeError(`unigrpoTimesteps: t1 must lie in [0, T], got ${t1}`);
  const line13 = (i: number) => (mu === 1 ? t1 : Math.floor((i / (mu - 1)) * (T - t1) + t1));
  const out: number[] = [];
  for (let n = 1; n <= mu; n++) {
    switch (rule) {
      case 'stratified':
        out.push(Math.floor(t1 + ((n - 1) * T) / mu) % T);
        break;
      case 'paper-formula':
      case 'igpo':
        out.push(line13(n - 1));
        break;
      case 'random': {
        if (n === 1) out.push(t1);
        else {
          if (!key) throw new RangeError('unigrpoTimesteps: the random rule needs a key');
          out.push(Math.floor(hostUniform(foldIn(key, n)) * T));
        }
        break;
      }
      default:
        throw new RangeError(`unigrpoTimesteps: unknown rule ${String(rule)}`);
    }
  }
  return out;
}

/**
 * The first timestep t₁ drawn from `key`: ⌊u·T⌋ with u ~ U(0, 1) (UniGRPO, Algorithm 1), or for `igpo`
 * IGPO's t₀ ~ randint(30, T − 1), i.e. an integer in [30, T − 2].
 */
export function drawT1(key: PRNGKey, T: number, rule: TimestepRule = 'stratified'): number {
  const u = hostUniform(key);
  if (rule === 'igpo') {
    const lo = Math.min(30, T - 2);
    return lo + Math.floor(u * (T - 1 - lo));
  }
  return Math.floor(u * T);
}
