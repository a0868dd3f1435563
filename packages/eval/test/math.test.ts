import { describe, expect, it } from 'vitest';
import { isMathEquiv, lastBoxedContent, lastBoxedOnlyString, removeBoxed, scoreMath, stripMathString } from '@mmada/eval';

describe('boxed extraction', () => {
  it('finds the last \\boxed{} with nested braces', () => {
    expect(lastBoxedOnlyString('a \\boxed{1} b \\boxed{\\frac{1}{2}} c')).toBe('\\boxed{\\frac{1}{2}}');
    expect(lastBoxedContent('x \\boxed{\\sqrt{\\frac{a}{b}}}.')).toBe('\\sqrt{\\frac{a}{b}}');
    expect(lastBoxedContent('\\fbox{7}')).toBe('7');
    expect(lastBoxedContent('so $\\boxed 5$ done')).toBe('5');
  });
  it('returns null when missing or unbalanced', () => {
    expect(lastBoxedOnlyString('no box')).toBeNull();
    expect(lastBoxedOnlyString('\\boxed{1')).toBeNull();
    expect(removeBoxed('{1}')).toBeNull();
    expect(removeBoxed(null)).toBeNull();
  });
});

describe('stripMathString (Hendrycks MATH normalisation)', () => {
  it.each([
    ['\\left( 1, 2 \\right)', '(1,2)'],
    ['\\dfrac{3}{4}', '\\frac{3}{4}'],
    ['\\tfrac12', '\\frac{1}{2}'],
    ['\\frac1{72}', '\\frac{1}{72}'],
    ['0.5', '\\frac{1}{2}'],
    ['.5', '\\frac{1}{2}'],
    ['3/4', '\\frac{3}{4}'],
    ['-3/4', '\\frac{-3}{4}'],
    ['03/4', '03/4'],
    ['90^\\circ', '90'],
    ['90^{\\circ}', '90'],
    ['\\$5', '5'],
    ['50\\%', '50'],
    ['10 \\text{ cm}', '10'],
    ['k = 7', '7'],
    ['abc = 7', 'abc=7'],
    ['\\sqrt2', '\\sqrt{2}'],
    ['2\\sqrt3 + 1', '2\\sqrt{3}+1'],
    ['1\\!000', '1000'],
    ['a\\\\b', 'a\\b'],
    ['x\n+1', 'x+1'],
    ['', ''],
  ])('%j → %j', (input, expected) => expect(stripMathString(input)).toBe(expected));

  it('throws where the reference raises', () => {
    expect(() => stripMathString('1 \\text{ m} + 2 \\text{ m}')).toThrow();
    expect(() => stripMathString('\\sqrt')).toThrow();
    expect(() => stripMathString('\\frac')).toThrow();
  });
});

describe('isMathEquiv', () => {
  it('equates normalised forms', () => {
    expect(isMathEquiv('0.5', '\\frac12')).toBe(true);
    expect(isMathEquiv('\\dfrac{1}{2}', '1/2')).toBe(true);
    expect(isMathEquiv('\\left(3,4\\right)', '(3, 4)')).toBe(true);
    expect(isMathEquiv('45^\\circ', '45')).toBe(true);
    expect(isMathEquiv('2', '3')).toBe(false);
    // Not numeric equivalence: the MATH rules are purely textual.
    expect(isMathEquiv('0.50', '\\frac{1}{2}')).toBe(false);
  });
  it('falls back to raw equality when normalisation fails, and handles nulls', () => {
    expect(isMathEquiv('\\sqrt', '\\sqrt')).toBe(true);
    expect(isMathEquiv('\\sqrt', '\\sqrt ')).toBe(false);
    expect(isMathEquiv(null, null)).toBe(true);
    expect(isMathEquiv(null, '1')).toBe(false);
  });
});

describe('scoreMath', () => {
  it('scores the last boxed answer against a bare answer or a boxed solution', () => {
    expect(scoreMath('so \\boxed{2} then \\boxed{\\dfrac{1}{2}}', '\\frac12')).toEqual({ correct: true, extracted: '\\dfrac{1}{2}', gold: '\\frac12' });
    expect(scoreMath('\\boxed{5}', 'Thus the answer is $\\boxed{5}$.').correct).toBe(true);
    expect(scoreMath('the answer is 5', '5')).toEqual({ correct: false, extracted: null, gold: '5' });
  });
});
