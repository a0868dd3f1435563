/**
 * Deterministic prompt sources: step s takes the prompts at positions s·count … s·count + count − 1 of an
 * endless stream — each pass over the items in a fresh seeded order — so the prompts of a step depend only on
 * (items, seed, step), whoever asks and however often (a resumed run gets the same ones).
 */
import { createRng, hashSeed } from '@mmada/eval';
import type { PromptSource, RlPrompt } from './rl-prompt.js';

/** The item at position q of the endless shuffled stream (epoch e = ⌊q / n⌋ uses its own permutation). */
function streamAt<T>(items: readonly T[], seed: number, cache: Map<number, number[]>): (q: number) => T {
  const n = items.length;
  return (q) => {
    const epoch = Math.floor(q / n);
    let order = cache.get(epoch);
    if (!order) {
      order = createRng(hashSeed('rl-prompts', seed, epoch)).shuffle(Array.from({ length: n }, (_, i) => i));
      if (cache.size > 4) cache.delete(cache.keys().next().value!);
      cache.set(epoch, order);
    }
    return items[order[q % n]!]!;
  };
}

/** Cycles through `items` in seeded shuffled passes. */
export function cyclePrompts(items: readonly RlPrompt[], seed: number): PromptSource {
  if (items.length === 0) throw new RangeError('cyclePrompts: no prompts');
  const at = streamAt(items, seed, new Map());
  return (step, count) => Array.from({ length: count }, (_, j) => at(step * count + j));
}

/**
 * Mixes task families: position q of the step's stream goes to family q mod F, which serves its own shuffled
 * stream, so every step holds (about) count / F prompts of each family.
 */
export function interleavePrompts(families: readonly (readonly RlPrompt[])[], seed: number): PromptSource {
  if (families.length === 0 || families.some((f) => f.length === 0)) throw new RangeError('interleavePrompts: every family needs prompts');
  const streams = families.map((items, f) => streamAt(items, hashSeed(seed, f), new Map()));
  const F = families.length;
  return (step, count) =>
    Array.from({ length: count }, (_, j) => {
      const q = step * count + j;
      return streams[q % F]!(Math.floor(q / F));
    });
}
