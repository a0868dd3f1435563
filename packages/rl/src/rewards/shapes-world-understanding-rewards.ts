import { answerAfterThink, hasThinkFormat, scoreUnderstanding, type UnderstandingQuestion } from '@mmada/eval';
import type { RewardFunctions } from './reward-function.js';

export interface ShapesWorldUnderstandingItem {
  readonly question: UnderstandingQuestion;
}

export interface ShapesWorldUnderstandingRewardOptions {
  /** Value of a correct answer (default 1.0; MMaDA uses 2.0 for its multimodal maths). */
  readonly correctness?: number;
  /** When set, a `format` component worth this much for `<think>…</think>` (MMaDA's 0.5); absent by default. */
  readonly format?: number;
}

/**
 * ShapesWorld image understanding: `correctness` scores the answer (the text after `</think>` when the model
 * reasons first) with @mmada/eval's `scoreUnderstanding`; optionally MMaDA's `<think>` format bonus.
 */
export function shapesWorldUnderstandingRewards(
  options: ShapesWorldUnderstandingRewardOptions = {},
): RewardFunctions<string, ShapesWorldUnderstandingItem> {
  const value = options.correctness ?? 1.0;
  const fns: Record<string, (c: string, item: ShapesWorldUnderstandingItem) => number | null> = {
    correctness: (c, item) => (scoreUnderstanding(answerAfterThink(c), item.question) ? value : 0),
  };
  if (options.format !== undefined) {
    const format = options.format;
    fns.format = (c) => (hasThinkFormat(c) ? format : 0);
  }
  return fns;
}
