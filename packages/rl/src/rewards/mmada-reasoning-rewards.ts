import { finalAnswerCorrect, hasThinkFormat } from '@mmada/eval';
import type { RewardFunctions } from './reward-function.js';

/** An item with a gold answer: a plain answer, or a GSM8K `answer` field (the part after `####` is used). */
export interface GoldItem {
  readonly gold: string;
}

export interface MmadaReasoningRewardOptions {
  /** Value of a correct final answer (MMaDA: 2.0). */
  readonly correctness?: number;
  /** Value of following `<think>…</think>` (MMaDA: 0.5). */
  readonly format?: number;
}

/**
 * UniGRPO's text-reasoning rewards (MMaDA §2.3.2): `correctness` — the final answer after `</think>` (last
 * `\boxed{}`, else last number) equals the gold — and `format` — a `<think>` precedes a `</think>`. The
 * matching is @mmada/eval's `finalAnswerCorrect` / `hasThinkFormat`.
 */
export function mmadaReasoningRewards(options: MmadaReasoningRewardOptions = {}): RewardFunctions<string, GoldItem> {
  const correct = options.correctness ?? 2.0;
  const format = options.format ?? 0.5;
  return {
    correctness: (completion, item) => (finalAnswerCorrect(completion, item.gold) ? correct : 0),
    format: (completion) => (hasThinkFormat(completion) ? format : 0),
  };
}
