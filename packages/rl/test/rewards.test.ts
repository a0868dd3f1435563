import { describe, expect, it } from 'vitest';
import { createImage, generateShapesWorld, renderScene, type T2IVerdict } from '@mmada/eval';
import {
  combineRewards, d1CountdownRewards, d1Gsm8kRewards, d1MathRewards, d1SudokuRewards, mmadaReasoningRewards, scoreRewards,
  shapesWorldT2IRewards, shapesWorldUnderstandingRewards, summarizeRewards, t2iPartialCredit, weightedTotal, type ModelReward,
} from '../src/index.js';

describe('combineRewards', () => {
  it('logs each component raw and sums the weighted ones, skipping nulls', () => {
    const combined = combineRewards<string, number>(
      { a: () => 1, b: () => null, c: (_c, item) => item },
      { c: 0.5 },
    );
    const r = combined('x', 4);
    expect(r.components).toEqual({ a: 1, b: null, c: 4 });
    expect(r.total).toBe(1 + 0.5 * 4);
  });

  it('gives NaN when every component abstains, and rejects a weight that names no function', () => {
    expect(combineRewards({ a: () => null, b: () => null })('x', {}).total).toBeNaN();
    expect(weightedTotal({ a: Number.NaN, b: 2 }, { b: 3 })).toBe(6);
    expect(() => combineRewards({ correctness: () => 1 }, { corectness: 2 })).toThrow(/corectness/);
  });
});

describe('MMaDA reasoning rewards', () => {
  const fns = mmadaReasoningRewards();
  const total = combineRewards(fns);
  it('correctness 2.0 after </think> + format 0.5', () => {
    expect(total('<think>2 + 2 = 4</think> The answer is \\boxed{4}.', { gold: '4' })).toEqual({ total: 2.5, components: { correctness: 2, format: 0.5 } });
    expect(total('<think>2 + 2 = 5</think> 5', { gold: 'Two and two.\n#### 4' }).total).toBe(0.5);
    // no trace: the last number of the whole text still counts, the format does not
    expect(total('The answer is 4', { gold: '#### 4' }).components).toEqual({ correctness: 2, format: 0 });
    expect(combineRewards(mmadaReasoningRewards({ correctness: 1, format: 0.1 }))('<think></think>4', { gold: '4' }).total).toBeCloseTo(1.1, 12);
  });
});

describe('d1 rewards', () => {
  it('GSM8K: a well-formed completion earns 3.5 upstream (soft format fails on the newlines, Quirk 1), 4.0 with dotall', () => {
    const c = '<reasoning>\n2 + 2 = 4\n</reasoning>\n<answer>\n4\n</answer>\n';
    const r = combineRewards(d1Gsm8kRewards())(c, { gold: 'Add them.\n#### 4' });
    expect(r.components).toEqual({ xmlcount: 0.5, softFormat: 0, strictFormat: 0.5, int: 0.5, correctness: 2 });
    expect(r.total).toBe(3.5);
    expect(combineRewards(d1Gsm8kRewards({ dotall: true }))(c, { gold: '4' }).total).toBe(4);
  });

  it('GSM8K keeps the upstream quirks by default and fixes them on request', () => {
    // multi-line reasoning: strict needs DOTALL (Quirk 1); a negative answer fails isdigit (Quirk 2)
    const c = '<reasoning>\na\nb\n</reasoning>\n<answer>\n-3\n</answer>\n';
    const up = combineRewards(d1Gsm8kRewards())(c, { gold: '-3' }).components;
    expect([up.strictFormat, up.int, up.correctness]).toEqual([0, 0, 2]);
    const fixed = combineRewards(d1Gsm8kRewards({ dotall: true, check: 'numeric' }))(c, { gold: '-3' }).components;
    expect([fixed.strictFormat, fixed.int]).toEqual([0.5, 0.5]);
  });

  it('MATH: correctness on the last \\boxed{}, format 0.75 upstream (the \\b quirk) and 1.0 fixed', () => {
    const c = '<answer>\\boxed{\\frac{1}{2}}</answer>';
    expect(combineRewards(d1MathRewards())(c, { gold: '\\frac12' }).components).toEqual({ correctness: 2, format: 0.75 });
    expect(combineRewards(d1MathRewards({ boxedCheck: 'fixed' }))(c, { gold: '0.7' }).components).toEqual({ correctness: 0, format: 1 });
  });

  it('Countdown: 1.0 on target, 0.1 for a wrong equation, 0 without an answer', () => {
    const f = d1CountdownRewards().countdown!;
    const item = { numbers: [2, 3, 4], target: 10 };
    expect(f('<answer>2*3+4</answer>', item)).toBe(1);
    expect(f('<answer>2+3+4</answer>', item)).toBe(0.1);
    expect(f('no answer', item)).toBe(0);
  });

  it('Sudoku: the fraction of empty cells filled correctly', () => {
    const solution = '1234341221434321';
    const puzzle = '0234301221404320'; // empty cells 0, 5, 11, 15
    const answer = '1234341221414321'; // cells 0, 5, 15 right, 11 wrong (1 for 3)
    expect(d1SudokuRewards().sudoku!(`<answer>${answer}</answer>`, { puzzle, solution })).toBe(0.75);
  });
});

describe('ShapesWorld rewards', () => {
  it('understanding: correctness on the answer after </think>, optional format bonus', () => {
    const [rec] = generateShapesWorld('understanding', { split: 'test', count: 1 });
    const item = { question: rec!.question };
    const fns = shapesWorldUnderstandingRewards({ format: 0.5 });
    const total = combineRewards(fns);
    expect(total(rec!.question.answer, item).components).toEqual({ correctness: 1, format: 0 });
    expect(total(`<think>looking</think> ${rec!.question.answer}`, item).total).toBe(1.5);
    expect(total('<think>looking</think> purple elephants', item).total).toBe(0.5);
    expect(Object.keys(shapesWorldUnderstandingRewards())).toEqual(['correctness']);
  });

  it('text-to-image: strict 0/1 and partial credit from the pixel verifier', () => {
    const recs = generateShapesWorld('t2i', { split: 'test', count: 6 });
    const two = recs.find((r) => r.category === 'two_object')!;
    const fns = shapesWorldT2IRewards();
    const score = combineRewards(fns);
    const item = { prompt: two.prompt };
    // the reference scene satisfies the prompt
    expect(score(renderScene(two.scene), item)).toEqual({ total: 2, components: { strict: 1, partial: 1 } });
    // with one of the two objects left out, one of two requirements holds
    const half = renderScene({ ...two.scene, objects: two.scene.objects.slice(0, 1) });
    expect(score(half, item).components).toEqual({ strict: 0, partial: 0.5 });
    // a blank canvas meets no include requirement
    const blank = createImage(two.scene.size, two.scene.size, [255, 255, 255]);
    expect(score(blank, item).components.strict).toBe(0);
  });

  it('partial credit = 1 − unmet / (include + exclude groups)', () => {
    const prompt = { category: 'counting' as const, prompt: 'two circles', include: [{ shape: 'circle' as const, count: 2 }], exclude: [{ shape: 'circle' as const, count: 3 }] };
    const verdict = (reasons: string[]): T2IVerdict => ({ correct: reasons.length === 0, reasons, detected: [] });
    expect(t2iPartialCredit(verdict([]), prompt)).toBe(1);
    expect(t2iPartialCredit(verdict(['too many']), prompt)).toBe(0.5);
    expect(t2iPartialCredit(verdict(['a', 'b']), prompt)).toBe(0);
  });
});

describe('scoreRewards', () => {
  it('scores a batch with functions and a model reward, weights them, and summarises per component', async () => {
    const clip: ModelReward<string, { gold: string }> = {
      name: 'clip',
      score: async (completions) => completions.map((c) => (c.includes('4') ? 30 : null)),
    };
    const completions = ['<think>x</think> 4', 'no idea', '<think>y</think> 5'];
    const items = completions.map(() => ({ gold: '4' }));
    const r = await scoreRewards(completions, items, { functions: mmadaReasoningRewards(), models: [clip], weights: { clip: 0.1 } });
    expect(r.components).toEqual({ correctness: [2, 0, 0], format: [0.5, 0, 0.5], clip: [30, null, null] });
    expect(r.totals).toEqual([2 + 0.5 + 3, 0, 0.5]);
    const s = summarizeRewards(r);
    expect(s.clip).toEqual({ mean: 30, std: 0, count: 1 });
    expect(s.correctness!.mean).toBeCloseTo(2 / 3, 12);
    expect(s.correctness!.std).toBeCloseTo(Math.sqrt(((4 / 3) ** 2 + 2 * (2 / 3) ** 2) / 2), 12);
    expect(s.total!.mean).toBeCloseTo(6 / 3, 12);
    await expect(scoreRewards(['a'], [], {})).rejects.toThrow(/1 completions for 0 items/);
    await expect(scoreRewards(['a'], [{ gold: '1' }], { functions: { clip: () => 1 }, models: [clip] })).rejects.toThrow(/duplicate/);
  });
});
