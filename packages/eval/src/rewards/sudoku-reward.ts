import { pyIsDigit } from '../scoring/python-compat.js';

/**
 * d1's 4×4 Sudoku reward: the digits of the last `<answer>` block, padded with '0' or cut to 16, scored
 * as the fraction of the puzzle's empty ('0') cells that match the solution. 0 without an answer.
 */
export function sudokuReward(completion: string, puzzle: string, solution: string): number {
  const blocks = [...completion.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
  const last = blocks.at(-1);
  if (!last) return 0;
  const digits = [...last[1].trim()].filter((c) => pyIsDigit(c)).join('');
  if (digits.length === 0) return 0;
  const grid = digits.length < 16 ? digits.padEnd(16, '0') : [...digits].slice(0, 16).join('');
  const gridChars = [...grid];
  const empty = [...Array(16).keys()].filter((i) => puzzle[i] === '0');
  if (empty.length === 0) return 0;
  return empty.filter((i) => gridChars[i] === solution[i]).length / empty.length;
}
