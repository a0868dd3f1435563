// VQAv2 scoring: EvalAI / lmms-eval processing by default, GT-Vision-Lab's 2021 vqaEval.py exactly as an option.
import { describe, expect, it } from 'vitest';
import { vqaSoftAccuracy } from '../src/scoring/vqa-accuracy.js';
import { evalAiProcessAnswer } from '../src/scoring/vqa-normalization.js';

const answers = (counts: Record<string, number>) => Object.entries(counts).flatMap(([a, n]) => Array(n).fill(a) as string[]);

describe('evalAiProcessAnswer', () => {
  it('lower-cases, drops commas and question marks, splits off \'s, then normalises punctuation, numbers and articles', () => {
    expect(evalAiProcessAnswer('Yes.')).toBe('yes');
    expect(evalAiProcessAnswer('  The Two Dogs?\n')).toBe('2 dogs');
    expect(evalAiProcessAnswer("man's")).toBe("man 's");
    expect(evalAiProcessAnswer('1,000')).toBe('1000');
    expect(evalAiProcessAnswer('dont')).toBe("don't");
    expect(evalAiProcessAnswer('red-blue')).toBe('red blue');
  });
});

describe('vqaSoftAccuracy processing', () => {
  it('default (EvalAI): the prediction is always normalised', () => {
    expect(vqaSoftAccuracy('Yes.', answers({ yes: 10 }))).toBe(1);
    expect(vqaSoftAccuracy('2', answers({ two: 8, '2': 2 }))).toBe(1);
    expect(vqaSoftAccuracy('A Cat', answers({ cat: 10 }))).toBe(1);
    expect(vqaSoftAccuracy('dog', answers({ cat: 10 }))).toBe(0);
  });

  it("'vqaeval-2021': nothing normalised while the humans agree, both sides fully when they disagree", () => {
    const o = { normalize: 'vqaeval-2021' } as const;
    expect(vqaSoftAccuracy('Yes.', answers({ yes: 10 }), o)).toBe(0);
    expect(vqaSoftAccuracy('yes', answers({ yes: 10 }), o)).toBe(1);
    expect(vqaSoftAccuracy('2', answers({ two: 8, '2': 2 }), o)).toBe(1);
    expect(vqaSoftAccuracy('Yes.', answers({ yes: 9, 'yes!': 1 }), o)).toBe(1);
    // 'two' said by 2 of 10 agreeing only after processing: 2 subsets with 1 match, 8 with 2.
    expect(vqaSoftAccuracy('two', answers({ '2': 2, three: 8 }), o)).toBeCloseTo((2 * (1 / 3) + 8 * (2 / 3)) / 10);
  });

  it("'always': both sides normalised even when the humans agree", () => {
    expect(vqaSoftAccuracy('Yes.', answers({ yes: 10 }), { normalize: 'always' })).toBe(1);
    expect(vqaSoftAccuracy('an apple', answers({ Apple: 10 }), { normalize: 'always' })).toBe(1);
    expect(vqaSoftAccuracy('an apple', answers({ Apple: 10 }))).toBe(0);
  });

  it('rejects an unknown processing name', () => {
    expect(() => vqaSoftAccuracy('x', ['x'], { normalize: 'official' as never })).toThrow(/normalize must be 'evalai', 'vqaeval-2021' or 'always', got "official"/);
  });
});
