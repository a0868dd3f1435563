import { scoreMath } from '../scoring/math-equivalence.js';

/** d1's MATH correctness reward: 2.0 when the last `\boxed{}` is MATH-equivalent to the gold answer. */
export const d1MathCorrectnessReward = (completion: string, gold: string): number => (scoreMath(completion, gold).correct ? 2.0 : 0);

export interface D1MathFormatOptions {
  /**
   * `upstream` (default): the original tests for `"\boxed"` in a non-raw Python string, i.e. for the
   * backspace character followed by `oxed` (Quirk 3), so real `\boxed` answers never earn the bonus.
   * `fixed`: tests for the literal `\boxed`.
   */
  readonly boxedCheck?: 'upstream' | 'fixed';
}

/** d1's MATH format reward: 0.5 · ([`<answer>` present] + (1.0 if boxed else 0.5)). */
export function d1MathFormatReward(completion: string, options: D1MathFormatOptions = {}): number {
  const marker = options.boxedCheck === 'fixed' ? '\\boxed' : '\x08oxed';
  const hasAnswer = completion.includes('<answer>') ? 1 : 0;
  return 0.5 * (hasAnswer + (completion.includes(marker) ? 1.0 : 0.5));
}
