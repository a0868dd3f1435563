import { evalPythonArithmetic } from './python-arithmetic.js';

/** The content of the last `<answer>…</answer>` (newlines allowed), trimmed; null when none. */
export function lastAnswerTag(completion: string): string | null {
  const matches = [...completion.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
  const last = matches.at(-1);
  return last ? last[1].trim() : null;
}

export interface CountdownProblem {
  readonly numbers: readonly number[];
  readonly target: number;
}

/**
 * d1's Countdown reward: 0 without an `<answer>`; 0.1 when the equation uses a different multiset of
 * numbers, has characters outside `[\d+\-*\/().\s]`, or fails to evaluate; 1.0 when it evaluates to
 * the target (within 1e-5); 0.1 otherwise.
 */
export function countdownReward(completion: string, problem: CountdownProblem): number {
  const equation = lastAnswerTag(completion);
  if (equation === null) return 0;
  const used = (equation.match(/\d+/g) ?? []).map(Number).sort((a, b) => a - b);
  const given = [...problem.numbers].sort((a, b) => a - b);
  if (used.length !== given.length || used.some((n, k) => n !== given[k])) return 0.1;
  if (!/^[\d+\-*/().\s]+$/.test(equation)) return 0.1;
  try {
    return Math.abs(evalPythonArithmetic(equation) - problem.target) < 1e-5 ? 1.0 : 0.1;
  } catch {
    return 0.1;
  }
}
