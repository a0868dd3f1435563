import { describe, expect, it } from 'vitest';
import {
  extractGsm8kAnswer, extractGsm8kFlexible, extractGsm8kStrict, gsm8kGold, isPlainNumber, lastNumber, lmEvalGsm8kNormalize,
  normalizeNumber, numbersEqual, scoreGsm8k,
} from '@mmada/eval';

describe('normalizeNumber', () => {
  it.each([
    ['1,000', '1000'], ['$18', '18'], ['72.0', '72'], ['72.50', '72.5'], ['18.', '18'], [' -0 ', '0'], ['-0.0', '0'],
    ['007', '7'], ['+5', '5'], ['.5', '0.5'], ['-3.25', '-3.25'], ['$1,234.00', '1234'], ['abc', 'abc'], ['1/2', '1/2'],
  ])('%s → %s', (input, expected) => expect(normalizeNumber(input)).toBe(expected));

  it('compares numbers exactly, not as floats, and rejects non-numbers', () => {
    expect(numbersEqual('72.0', '72')).toBe(true);
    expect(numbersEqual('0.1', '0.10')).toBe(true);
    expect(numbersEqual('0.30000000000000004', '0.3')).toBe(false);
    expect(numbersEqual('abc', 'abc')).toBe(false);
    expect(isPlainNumber('-1.5')).toBe(true);
    expect(isPlainNumber('1e5')).toBe(false);
  });
});

describe('GSM8K extraction', () => {
  const solution = 'Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips.\n#### 72';

  it('takes the gold after ####', () => {
    expect(gsm8kGold(solution)).toBe('72');
    expect(gsm8kGold('#### 1,000 ')).toBe('1,000');
    expect(gsm8kGold('42')).toBe('42');
  });

  it('strict: the first "#### N" (lm-eval strict-match)', () => {
    expect(extractGsm8kStrict('so #### 12 and later #### 13')).toBe('12');
    expect(extractGsm8kStrict('#### -3.5')).toBe('-3.5');
    expect(extractGsm8kStrict('The answer is 12')).toBeNull();
    expect(extractGsm8kStrict('####12')).toBeNull(); // lm-eval requires the space
  });

  it('flexible: the last number-like run (lm-eval flexible-extract)', () => {
    expect(extractGsm8kFlexible('He had 3 apples, then $1,200. Answer: 7')).toBe('7');
    expect(extractGsm8kFlexible('costs $1,200.')).toBe('$1,200.');
    expect(extractGsm8kFlexible('no digits')).toBeNull();
    expect(extractGsm8kFlexible('x = -5')).toBe('-5');
  });

  it('chain: #### N, then \\boxed{}, then <answer>, then the last number', () => {
    expect(extractGsm8kAnswer('3 + 4 = 7 #### 7 and 9')).toBe('7');
    expect(extractGsm8kAnswer('so 5 apples, \\boxed{1,000} total 3')).toBe('1000');
    expect(extractGsm8kAnswer('\\boxed{\\$18.00}')).toBe('18');
    expect(extractGsm8kAnswer('\\boxed{12 \\text{ apples}}')).toBe('12');
    expect(extractGsm8kAnswer('<answer>\nShe has 12 apples\n</answer> 99')).toBe('12');
    expect(extractGsm8kAnswer('first 3 then 4, finally 5.0')).toBe('5');
    expect(extractGsm8kAnswer('nothing')).toBeNull();
  });

  it('lastNumber handles thousands separators and signs', () => {
    expect(lastNumber('from 1,234,567 to -8.50')).toBe('-8.5');
    expect(lastNumber('pay $2,000')).toBe('2000');
  });
});

describe('scoreGsm8k', () => {
  const gold = 'steps...\n#### 1,000';

  it('chain mode with numeric comparison', () => {
    expect(scoreGsm8k('The answer is \\boxed{1000}.', gold)).toEqual({ correct: true, extracted: '1000', gold: '1,000' });
    expect(scoreGsm8k('The answer is 1000.0', gold).correct).toBe(true);
    expect(scoreGsm8k('The answer is 100', gold).correct).toBe(false);
    expect(scoreGsm8k('no idea', gold)).toEqual({ correct: false, extracted: null, gold: '1,000' });
  });

  it('strict and flexible modes follow lm-eval', () => {
    expect(scoreGsm8k('The answer is 1000', gold, { mode: 'strict' }).correct).toBe(false);
    expect(scoreGsm8k('#### 1,000', gold, { mode: 'strict' }).correct).toBe(true);
    expect(scoreGsm8k('#### 1000 dollars. Checked with 3', gold, { mode: 'flexible' }).correct).toBe(false);
    expect(scoreGsm8k('So she pays $1,000.', gold, { mode: 'flexible' }).correct).toBe(true);
  });

  it('lm-eval comparison does not equate 72.0 with 72', () => {
    expect(lmEvalGsm8kNormalize('blah #### $1,000.')).toBe('1000');
    expect(scoreGsm8k('#### 72.0', '#### 72', { mode: 'strict', comparison: 'lm-eval' }).correct).toBe(false);
    expect(scoreGsm8k('#### 72.0', '#### 72', { mode: 'strict' }).correct).toBe(true);
    expect(scoreGsm8k('#### 72.', '#### 72', { mode: 'strict', comparison: 'lm-eval' }).correct).toBe(true);
  });
});
