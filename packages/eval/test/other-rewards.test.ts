import { describe, expect, it } from 'vitest';
import {
  answerAfterThink, countdownReward, d1MathCorrectnessReward, d1MathFormatReward, evalPythonArithmetic, extractFinalAnswer,
  finalAnswerCorrect, hasThinkFormat, lastAnswerTag, sudokuReward, unigrpoReward,
} from '@mmada/eval';

describe('MMaDA think format and UniGRPO reward', () => {
  it('checks <think> before </think>, across newlines', () => {
    expect(hasThinkFormat('<think>\na\nb\n</think> 4')).toBe(true);
    expect(hasThinkFormat('</think> x <think>')).toBe(false);
    expect(hasThinkFormat('<think> unfinished')).toBe(false);
    expect(answerAfterThink('<think>1</think> 2 </think> 3 ')).toBe('3');
    expect(answerAfterThink(' plain ')).toBe('plain');
  });

  it('reads the final answer after the trace: last \\boxed{}, else last number', () => {
    expect(extractFinalAnswer('<think>7 + 5 = 12</think> The answer is 12.')).toBe('12');
    expect(extractFinalAnswer('<think>99</think> \\boxed{\\frac{1}{2}} or 3')).toBe('\\frac{1}{2}');
    expect(extractFinalAnswer('<think>99</think> none')).toBeNull();
    expect(finalAnswerCorrect('<think>...</think> 1,000.0', 'work\n#### 1000')).toBe(true);
    expect(finalAnswerCorrect('<think>...</think> \\boxed{0.5}', '\\frac{1}{2}')).toBe(true);
    expect(finalAnswerCorrect('<think>12</think> 13', '12')).toBe(false);
  });

  it('gives 2.0 for correctness and 0.5 for format', () => {
    expect(unigrpoReward('<think>3 + 4 = 7</think> 7', '#### 7')).toEqual({ total: 2.5, parts: { correctness: 2, format: 0.5 } });
    expect(unigrpoReward('7', '7').total).toBe(2);
    expect(unigrpoReward('<think>7</think> 8', '7').total).toBe(0.5);
    expect(unigrpoReward('<think>7</think> 7', '7', { correctness: 1, format: 0.1 }).total).toBeCloseTo(1.1);
  });
});

describe('Python arithmetic', () => {
  it.each([
    ['1 + 2 * 3', 7], ['(1 + 2) * 3', 9], ['7 / 2', 3.5], ['7 // 2', 3], ['-7 // 2', -4], ['2 ** 3 ** 2', 512],
    ['-2 ** 2', -4], ['2 ** -1', 0.5], ['--3', 3], ['3.', 3], ['.5 + 1', 1.5], ['00 + 1', 1], ['10 - 2 - 3', 5],
  ])('%s = %d', (src, value) => expect(evalPythonArithmetic(src)).toBeCloseTo(value));

  it.each(['1 / 0', '01 + 2', '1.2.3', '2 (3)', '(1 + 2', '1 +', '', '()', '0 ** -1', '1 $ 2'])('%j raises', (src) => {
    expect(() => evalPythonArithmetic(src)).toThrow();
  });
});

describe('countdownReward', () => {
  const problem = { numbers: [3, 5, 7], target: 22 };
  it('1.0 for a correct equation using exactly the numbers', () => {
    expect(countdownReward('<answer> 3 * 5 + 7 </answer>', problem)).toBe(1);
    expect(countdownReward('<answer>1</answer> then <answer>\n(7 + 5) * 3 - 14\n</answer>', { numbers: [7, 5, 3, 14], target: 22 })).toBe(1);
  });
  it('0.1 for wrong numbers, bad characters, errors or a wrong value; 0 without an answer', () => {
    expect(countdownReward('<answer>3 * 5 + 7 + 0</answer>', problem)).toBe(0.1);
    expect(countdownReward('<answer>3 * 5 + 7 = 22</answer>', problem)).toBe(0.1);
    expect(countdownReward('<answer>3 * 5 - 7</answer>', problem)).toBe(0.1);
    expect(countdownReward('<answer>3 / (5 - 5) + 7</answer>', { numbers: [3, 5, 5, 7], target: 22 })).toBe(0.1);
    expect(countdownReward('<answer>3 x 5 + 7</answer>', problem)).toBe(0.1);
    expect(countdownReward('3 * 5 + 7', problem)).toBe(0);
    expect(lastAnswerTag('<answer>a</answer><answer> b </answer>')).toBe('b');
  });
  it('uses true division, within 1e-5', () => {
    expect(countdownReward('<answer>(7 / 3) * 3</answer>', { numbers: [7, 3, 3], target: 7 })).toBe(1);
  });
});

describe('sudokuReward', () => {
  const puzzle = '1200340000000000';
  const solution = '1234341221434321';
  it('scores the fraction of empty cells filled correctly', () => {
    expect(sudokuReward(`<answer>${solution}</answer>`, puzzle, solution)).toBe(1);
    // The digits of the block count, whatever the layout; of the 12 empty cells, 4 are right.
    const partial = '1234\n3412\n0000\n0000';
    expect(sudokuReward(`<answer>\n${partial}\n</answer>`, puzzle, solution)).toBeCloseTo(4 / 12);
    // Short answers are padded with '0'.
    expect(sudokuReward('<answer>1234</answer>', puzzle, solution)).toBeCloseTo(2 / 12);
  });
  it('is 0 without an answer, with an empty block, or without empty cells', () => {
    expect(sudokuReward(solution, puzzle, solution)).toBe(0);
    expect(sudokuReward('<answer>none</answer>', puzzle, solution)).toBe(0);
    expect(sudokuReward(`<answer>${solution}</answer>`, solution, solution)).toBe(0);
  });
});

describe('d1 MATH rewards', () => {
  it('correctness: 2.0 when the last boxed answer is MATH-equivalent', () => {
    expect(d1MathCorrectnessReward('<answer>\\boxed{\\dfrac12}</answer>', '\\frac{1}{2}')).toBe(2);
    expect(d1MathCorrectnessReward('<answer>1/2</answer>', '\\frac{1}{2}')).toBe(0);
  });
  it('format: upstream never sees \\boxed (the \\x08oxed quirk), fixed does', () => {
    const both = '<answer>\\boxed{1}</answer>';
    expect(d1MathFormatReward(both)).toBe(0.75);
    expect(d1MathFormatReward('\\boxed{1}')).toBe(0.25);
    expect(d1MathFormatReward('<answer>\x08oxed</answer>')).toBe(1);
    expect(d1MathFormatReward(both, { boxedCheck: 'fixed' })).toBe(1);
    expect(d1MathFormatReward('<answer>1</answer>', { boxedCheck: 'fixed' })).toBe(0.75);
    expect(d1MathFormatReward('\\boxed{1}', { boxedCheck: 'fixed' })).toBe(0.5);
    expect(d1MathFormatReward('1', { boxedCheck: 'fixed' })).toBe(0.25);
  });
});
