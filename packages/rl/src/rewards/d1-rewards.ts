import {
  countdownReward, d1CorrectnessReward, d1IntReward, d1MathCorrectnessReward, d1MathFormatReward, d1SoftFormatReward,
  d1StrictFormatReward, d1XmlCountReward, extractHashAnswer, sudokuReward, type CountdownProblem, type D1Gsm8kRewardOptions,
  type D1MathFormatOptions,
} from '@mmada/eval';
import type { GoldItem } from './mmada-reasoning-rewards.js';
import type { RewardFunctions } from './reward-function.js';

/** d1 compares against the text after `####` when the gold is a whole GSM8K solution. */
const d1Gold = (gold: string) => extractHashAnswer(gold) ?? gold;

/**
 * d1's five GSM8K rewards (summed in d1, at most 4.0): xmlcount, softFormat, strictFormat, int, correctness.
 * Upstream quirks by default (format regexes without DOTALL, `isdigit`); `dotall` / `check: 'numeric'` fix them.
 */
export function d1Gsm8kRewards(options: D1Gsm8kRewardOptions = {}): RewardFunctions<string, GoldItem> {
  return {
    xmlcount: (c) => d1XmlCountReward(c),
    softFormat: (c) => d1SoftFormatReward(c, options),
    strictFormat: (c) => d1StrictFormatReward(c, options),
    int: (c) => d1IntReward(c, options),
    correctness: (c, item) => d1CorrectnessReward(c, d1Gold(item.gold)),
  };
}

/** d1's MATH rewards: correctness (2.0, last `\boxed{}` MATH-equivalent) and format (upstream `\b` quirk by default). */
export function d1MathRewards(options: D1MathFormatOptions = {}): RewardFunctions<string, GoldItem> {
  return {
    correctness: (c, item) => d1MathCorrectnessReward(c, item.gold),
    format: (c) => d1MathFormatReward(c, options),
  };
}

/** d1's Countdown reward: 1.0 for an equation that uses the given numbers and hits the target, 0.1 for a wrong one, 0 for none. */
export function d1CountdownRewards(): RewardFunctions<string, CountdownProblem> {
  return { countdown: (c, item) => countdownReward(c, item) };
}

/** A 4×4 Sudoku: the puzzle with '0' for empty cells and its solution, 16 digits each. */
export interface SudokuItem {
  readonly puzzle: string;
  readonly solution: string;
}

/** d1's Sudoku reward: the fraction of the puzzle's empty cells the last `<answer>` fills correctly. */
export function d1SudokuRewards(): RewardFunctions<string, SudokuItem> {
  return { sudoku: (c, item) => sudokuReward(c, item.puzzle, item.solution) };
}
