import { lastBoxedContent } from '../scoring/boxed.js';
import { gsm8kGold, lastNumber } from '../scoring/gsm8k.js';
import { isMathEquiv } from '../scoring/math-equivalence.js';
import { isPlainNumber, normalizeNumber } from '../scoring/number-normalization.js';
import { answerAfterThink, hasThinkFormat } from './think-format.js';

/** The answer a `<think>…</think> answer` completion commits to: the last `\boxed{}` after the trace, else its last number. */
export function extractFinalAnswer(completion: string): string | null {
  const answer = answerAfterThink(completion);
  return lastBoxedContent(answer) ?? lastNumber(answer);
}

/**
 * True when the final answer equals the gold: numerically when both are numbers, else by MATH
 * equivalence. The gold may be a GSM8K `answer` field (the part after `####` is used).
 */
export function finalAnswerCorrect(completion: string, gold: string): boolean {
  const extracted = extractFinalAnswer(completion);
  if (extracted === null) return false;
  const g = gsm8kGold(gold);
  const [a, b] = [normalizeNumber(extracted), normalizeNumber(g)];
  if (isPlainNumber(a) && isPlainNumber(b)) return a === b;
  return isMathEquiv(extracted, g);
}

export interface UnigrpoRewardOptions {
  /** Reward for a correct final answer (paper: 2.0). */
  readonly correctness?: number;
  /** Reward for following the `<think>…</think>` format (paper: 0.5). */
  readonly format?: number;
}

export interface RewardBreakdown {
  readonly total: number;
  readonly parts: Readonly<Record<string, number>>;
}

/** UniGRPO's text-reasoning reward (MMaDA §2.3.2): correctness 2.0 + format 0.5. */
export function unigrpoReward(completion: string, gold: string, options: UnigrpoRewardOptions = {}): RewardBreakdown {
  const correctness = finalAnswerCorrect(completion, gold) ? (options.correctness ?? 2.0) : 0;
  const format = hasThinkFormat(completion) ? (options.format ?? 0.5) : 0;
  return { total: correctness + format, parts: { correctness, format } };
}
