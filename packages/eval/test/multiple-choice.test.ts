import { describe, expect, it } from 'vitest';
import { type ChoiceScorer, choiceIndex, choiceLetter, extractChoiceLetter, pickByLikelihood, scoreMultipleChoice } from '@mmada/eval';

describe('multiple-choice letters', () => {
  it('maps letters and indices', () => {
    expect(choiceLetter(0)).toBe('A');
    expect(choiceLetter(3)).toBe('D');
    expect(choiceIndex('C')).toBe(2);
    expect(choiceIndex('c')).toBe(-1);
  });

  it('takes the last standalone letter among the options (VLMEvalKit \\b([A-E])\\b)', () => {
    expect(extractChoiceLetter('I think B, but actually the answer is (C).')).toBe('C');
    expect(extractChoiceLetter('Answer: D')).toBe('D');
    expect(extractChoiceLetter('Because ABC is wrong')).toBeNull();
    expect(extractChoiceLetter('The answer is F')).toBeNull();
    expect(extractChoiceLetter('E is out of range, so D', 4)).toBe('D');
    expect(extractChoiceLetter('a lowercase a')).toBeNull();
    expect(() => extractChoiceLetter('x', 0)).toThrow(RangeError);
  });

  it('scores against a letter or an index', () => {
    expect(scoreMultipleChoice('The answer is B.', 1)).toEqual({ correct: true, extracted: 'B', gold: 'B' });
    expect(scoreMultipleChoice('The answer is B.', 'c')).toEqual({ correct: false, extracted: 'B', gold: 'C' });
    expect(scoreMultipleChoice('no letter', 'A').correct).toBe(false);
  });
});

describe('pickByLikelihood', () => {
  // A fake scorer: log-likelihood is minus the length difference to the context's favourite word.
  const scorer: ChoiceScorer = {
    async scoreChoices(context, choices) {
      const favourite = context.split(' ').at(-1)!;
      return choices.map((c) => (c === favourite ? 0 : -Math.abs(c.length - favourite.length) - 1));
    },
  };

  it('picks the highest score and reports all scores', async () => {
    const pick = await pickByLikelihood(scorer, 'the colour is blue', ['red', 'green', 'blue', 'purple']);
    expect(pick.index).toBe(2);
    expect(pick.letter).toBe('C');
    expect(pick.scores).toEqual([-2, -2, 0, -3]);
  });

  it('breaks ties by the first option and ignores NaN', async () => {
    const fixed = (scores: number[]): ChoiceScorer => ({ scoreChoices: async () => scores });
    expect((await pickByLikelihood(fixed([-1, -1, -2]), '', ['a', 'b', 'c'])).index).toBe(0);
    expect((await pickByLikelihood(fixed([NaN, -5, -3]), '', ['a', 'b', 'c'])).index).toBe(2);
  });

  it('rejects a scorer that returns the wrong number of scores, and empty choices', async () => {
    await expect(pickByLikelihood({ scoreChoices: async () => [1] }, '', ['a', 'b'])).rejects.toThrow(/1 scores for 2 choices/);
    await expect(pickByLikelihood(scorer, '', [])).rejects.toThrow(RangeError);
  });
});
