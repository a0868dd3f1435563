import { describe, expect, it } from 'vitest';
import {
  d1CorrectnessReward, d1Gsm8kReward, d1IntReward, d1SoftFormatReward, d1StrictFormatReward, d1XmlCountReward, extractHashAnswer,
  extractXmlAnswer, pyCount, pyIsDigit, pyLen, textAfterLast,
} from '@mmada/eval';

const perfect = '<reasoning>\n2 + 2 = 4\n</reasoning>\n<answer>\n4\n</answer>\n';

describe('Python string helpers', () => {
  it('reproduce len, count, split()[-1] and isdigit', () => {
    expect(pyLen('a😀')).toBe(2);
    expect(pyCount('aaaa', 'aa')).toBe(2);
    expect(textAfterLast('a|b|c', '|')).toBe('c');
    expect(textAfterLast('abc', '|')).toBe('abc');
    expect(pyIsDigit('123')).toBe(true);
    expect(pyIsDigit('٣')).toBe(true);
    expect(pyIsDigit('²')).toBe(true);
    expect(pyIsDigit('-1')).toBe(false);
    expect(pyIsDigit('1.5')).toBe(false);
    expect(pyIsDigit('')).toBe(false);
  });
});

describe('d1 extraction', () => {
  it('extract_xml_answer: after the last <answer>, up to </answer>, stripped', () => {
    expect(extractXmlAnswer(perfect)).toBe('4');
    expect(extractXmlAnswer('<answer>1</answer><answer> 2 </answer>')).toBe('2');
    expect(extractXmlAnswer('no tags 7')).toBe('no tags 7');
    expect(extractXmlAnswer('<answer> 5')).toBe('5');
  });
  it('extract_hash_answer', () => {
    expect(extractHashAnswer('work\n#### 72')).toBe('72');
    expect(extractHashAnswer('72')).toBeNull();
  });
});

describe('d1 GSM8K rewards', () => {
  it('correctness: 2.0 for an exact string match only', () => {
    expect(d1CorrectnessReward(perfect, '4')).toBe(2);
    expect(d1CorrectnessReward(perfect.replace('\n4\n', '\n4.0\n'), '4')).toBe(0);
  });

  it('int: .isdigit() by default (negatives and decimals get 0), numeric as an option', () => {
    expect(d1IntReward('<answer>\n42\n</answer>')).toBe(0.5);
    expect(d1IntReward('<answer>\n-42\n</answer>')).toBe(0);
    expect(d1IntReward('<answer>\n4.5\n</answer>')).toBe(0);
    expect(d1IntReward('<answer>\n-42\n</answer>', { check: 'numeric' })).toBe(0.5);
    expect(d1IntReward('<answer>\nabc\n</answer>', { check: 'numeric' })).toBe(0);
  });

  it('strict format: exact layout, single-line parts unless dotall', () => {
    expect(d1StrictFormatReward(perfect)).toBe(0.5);
    // Python's $ also matches before one final newline.
    expect(d1StrictFormatReward(perfect + '\n')).toBe(0.5);
    expect(d1StrictFormatReward(perfect + '\n\n')).toBe(0);
    expect(d1StrictFormatReward(perfect.slice(0, -1))).toBe(0);
    expect(d1StrictFormatReward('x' + perfect)).toBe(0);
    const twoLines = '<reasoning>\nstep 1\nstep 2\n</reasoning>\n<answer>\n4\n</answer>\n';
    expect(d1StrictFormatReward(twoLines)).toBe(0);
    expect(d1StrictFormatReward(twoLines, { dotall: true })).toBe(0.5);
    // `.` in Python excludes only \n, so a carriage return inside is fine.
    expect(d1StrictFormatReward('<reasoning>\na\rb\n</reasoning>\n<answer>\n4\n</answer>\n')).toBe(0.5);
  });

  it('soft format: anchored at the start, fails on newlines inside tags unless dotall', () => {
    expect(d1SoftFormatReward('<reasoning>r</reasoning> \n <answer>4</answer> trailing')).toBe(0.5);
    expect(d1SoftFormatReward(perfect)).toBe(0);
    expect(d1SoftFormatReward(perfect, { dotall: true })).toBe(0.5);
    expect(d1SoftFormatReward(' <reasoning>r</reasoning><answer>4</answer>')).toBe(0);
  });

  it('xmlcount: 0.125 per tag with the trailing-text penalties', () => {
    expect(d1XmlCountReward(perfect)).toBeCloseTo(0.5);
    // Trailing "xyz": third rule subtracts 0.003; fourth subtracts (len("\nxyz") - 1) · 0.001 = 0.003.
    expect(d1XmlCountReward(perfect + 'xyz')).toBeCloseTo(0.5 - 0.006);
    // Without "\n</answer>\n": third rule's "text after" is the whole text.
    const noClose = '<reasoning>\nr\n</reasoning>\n<answer>\n4';
    expect(d1XmlCountReward(noClose)).toBeCloseTo(0.375 - pyLen(noClose) * 0.001);
    expect(d1XmlCountReward('<reasoning>\n<reasoning>\n')).toBe(0);
    expect(d1XmlCountReward('')).toBe(0);
  });

  it('sums the five parts: 3.5 for the strict layout upstream, 4.0 with dotall', () => {
    const r = d1Gsm8kReward(perfect, '4');
    // The soft format fails on the newlines of the strict layout (Quirk 1).
    expect(r.parts).toEqual({ xmlcount: 0.5, softFormat: 0, strictFormat: 0.5, int: 0.5, correctness: 2 });
    expect(r.total).toBeCloseTo(3.5);
    expect(d1Gsm8kReward(perfect, '4', { dotall: true }).total).toBeCloseTo(4.0);
    expect(d1Gsm8kReward('nothing', '4').total).toBe(0);
  });
});
