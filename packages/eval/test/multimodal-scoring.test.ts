import { describe, expect, it } from 'vitest';
import {
  extractYesNo, extractYesNoPope, gqaExactMatch, mmeScores, normalizeGqaAnswer, normalizeVqaAnswer, parseMmeAnswer, popeMetrics,
  processDigitArticle, processPunctuation, vqaSoftAccuracy,
} from '@mmada/eval';

describe('yes/no extraction', () => {
  it('VLMEvalKit rule: yes xor no among the words', () => {
    expect(extractYesNo('Yes, there is a dog.')).toBe('yes');
    expect(extractYesNo('No.')).toBe('no');
    expect(extractYesNo('Yes and no')).toBeNull();
    expect(extractYesNo('There is a dog')).toBeNull();
    expect(extractYesNo('nobody knows')).toBeNull();
  });
  it('POPE rule: first sentence, negation words', () => {
    expect(extractYesNoPope('No, there is not.')).toBe('no');
    expect(extractYesNoPope('There is not a cat in the image.')).toBe('no');
    expect(extractYesNoPope('Yes. But no dog.')).toBe('yes');
    expect(extractYesNoPope('I see a cat')).toBe('yes');
  });
});

describe('popeMetrics', () => {
  it('computes the confusion-matrix metrics with yes as positive', () => {
    const items = [
      { prediction: 'yes', gold: 'yes' }, { prediction: 'yes', gold: 'yes' }, { prediction: 'yes', gold: 'no' },
      { prediction: 'no', gold: 'yes' }, { prediction: 'no', gold: 'no' }, { prediction: null, gold: 'no' },
    ] as const;
    const m = popeMetrics(items);
    // TP 2, FP 1, FN 1, TN 1, one unknown (wrong, not yes).
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(3 / 6);
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.f1).toBeCloseTo(2 / 3);
    expect(m.yesRatio).toBeCloseTo(3 / 6);
    expect(m.unknown).toBe(1);
  });
  it('is all zeros for no items', () => {
    expect(popeMetrics([])).toEqual({ n: 0, accuracy: 0, precision: 0, recall: 0, f1: 0, yesRatio: 0, unknown: 0 });
  });
});

describe('VQA normalisation', () => {
  it('processPunctuation removes or spaces punctuation as vqaEval.py does', () => {
    expect(processPunctuation('hot-dog')).toBe('hot dog');
    expect(processPunctuation('yes !')).toBe('yes ');
    expect(processPunctuation('1,000 people')).toBe('1000 people');
    expect(processPunctuation('dr. who')).toBe('dr who');
    expect(processPunctuation('3.5')).toBe('3.5');
    // At most 32 periods are removed (re.UNICODE passed as the count).
    expect(processPunctuation('.'.repeat(40))).toBe('.'.repeat(8));
  });
  it('processDigitArticle maps number words, drops articles and fixes contractions', () => {
    expect(processDigitArticle('The Two dogs')).toBe('2 dogs');
    expect(processDigitArticle('a dont an none')).toBe("don't 0");
    expect(processDigitArticle('constructor')).toBe('constructor');
  });
  it('normalizeVqaAnswer chains both', () => {
    expect(normalizeVqaAnswer('  Two\tdogs!\n')).toBe('2 dogs');
  });
});

describe('vqaSoftAccuracy', () => {
  const ten = (counts: Record<string, number>) => Object.entries(counts).flatMap(([a, n]) => Array(n).fill(a) as string[]);
  it('is min(#matches/3, 1) averaged over leave-one-out subsets', () => {
    // 'yes' said by 2 of 10: left-out is a 'yes' in 2 subsets (1 match → 1/3), else 2 matches → 2/3.
    expect(vqaSoftAccuracy('yes', ten({ yes: 2, no: 8 }))).toBeCloseTo((2 * (1 / 3) + 8 * (2 / 3)) / 10);
    expect(vqaSoftAccuracy('yes', ten({ yes: 3, no: 7 }))).toBeCloseTo((3 * (2 / 3) + 7) / 10);
    expect(vqaSoftAccuracy('yes', ten({ yes: 4, no: 6 }))).toBe(1);
    expect(vqaSoftAccuracy('maybe', ten({ yes: 4, no: 6 }))).toBe(0);
  });
  it('normalises the prediction always (EvalAI, the default), only when humans disagree (2021 script), or both always', () => {
    expect(vqaSoftAccuracy('Two', ten({ '2': 10 }))).toBe(1);
    expect(vqaSoftAccuracy('Two', ten({ '2': 10 }), { normalize: 'vqaeval-2021' })).toBe(0);
    expect(vqaSoftAccuracy('Two', ten({ '2': 10 }), { normalize: 'always' })).toBe(1);
    expect(vqaSoftAccuracy('Two.', ten({ '2': 9, two: 1 }))).toBe(1);
    expect(vqaSoftAccuracy('x', ['x'])).toBe(1);
    expect(() => vqaSoftAccuracy('x', [])).toThrow(RangeError);
  });
});

describe('GQA', () => {
  it('exact match after trimming, lower-casing and dropping final periods', () => {
    expect(normalizeGqaAnswer(' Left. ')).toBe('left');
    expect(gqaExactMatch('Yes.', 'yes')).toBe(true);
    expect(gqaExactMatch('the left', 'left')).toBe(false);
  });
});

describe('MME', () => {
  it('parses answers like the official script', () => {
    expect(parseMmeAnswer('Yes')).toBe('yes');
    expect(parseMmeAnswer('No, it is not')).toBe('no');
    expect(parseMmeAnswer('I think yes')).toBe('other');
    expect(parseMmeAnswer('yes.')).toBe('yes');
  });
  it('scores acc and acc+ per image pair', () => {
    const items = [
      { category: 'existence', imageId: 'a', prediction: 'Yes', gold: 'Yes' },
      { category: 'existence', imageId: 'a', prediction: 'No', gold: 'No' },
      { category: 'existence', imageId: 'b', prediction: 'Yes', gold: 'Yes' },
      { category: 'existence', imageId: 'b', prediction: 'Yes', gold: 'No' },
      { category: 'code_reasoning', imageId: 'c', prediction: 'no', gold: 'Yes' },
      { category: 'code_reasoning', imageId: 'c', prediction: 'no', gold: 'No' },
    ];
    const s = mmeScores(items);
    expect(s.subtasks.existence).toEqual({ questions: 4, images: 2, acc: 75, accPlus: 50, score: 125 });
    expect(s.subtasks.code_reasoning).toEqual({ questions: 2, images: 1, acc: 50, accPlus: 0, score: 50 });
    expect(s.perception).toBe(125);
    expect(s.cognition).toBe(50);
  });
});
