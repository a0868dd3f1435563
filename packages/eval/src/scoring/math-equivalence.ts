import { lastBoxedContent } from './boxed.js';
import { stripMathString } from './math-normalization.js';

/**
 * MATH's `is_equiv`: equal after `stripMathString`; where normalisation fails, equal as raw strings.
 * Two nulls are equivalent, one null is not.
 */
export function isMathEquiv(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null && b == null) return true;
  if (a == null || b == null) return false;
  try {
    return stripMathString(a) === stripMathString(b);
  } catch {
    return a === b;
  }
}

export interface MathScore {
  readonly correct: boolean;
  /** Content of the last `\boxed{}` of the completion, or null. */
  readonly extracted: string | null;
  readonly gold: string;
}

/**
 * Scores a MATH / MATH-500 completion: the last `\boxed{}` against the gold answer. The gold may be the
 * bare answer (MATH-500's `answer`) or a full solution containing a `\boxed{}` (MATH's `solution`).
 */
export function scoreMath(completion: string, gold: string): MathScore {
  const goldAnswer = gold.includes('\\boxed') || gold.includes('\\fbox') ? (lastBoxedContent(gold) ?? gold) : gold;
  const extracted = lastBoxedContent(completion);
  return { correct: extracted !== null && isMathEquiv(extracted, goldAnswer), extracted, gold: goldAnswer };
}
