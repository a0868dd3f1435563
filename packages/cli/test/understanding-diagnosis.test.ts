import { describe, expect, it } from 'vitest';
import { generateShapesWorld, type UnderstandingRecord } from '@mmada/eval';
import { answerList, diagnoseUnderstanding, listedObjects } from '../src/recipe/understanding-diagnosis.js';

const scene = { size: 32 as const, objects: [{ shape: 'circle' as const, color: 'blue' as const, row: 1, col: 1 }, { shape: 'square' as const, color: 'red' as const, row: 0, col: 1 }] };
const base = generateShapesWorld('understanding', { split: 'train', count: 1 })[0]!;
const record = (category: 'position' | 'existence', question: string, answer: string): UnderstandingRecord => ({ ...base, category, scene, question: { category, question, answer } });
const truth = 'I see a red square at top right and a blue circle at bottom right.';

describe('understanding diagnosis', () => {
  it('splits a list into its objects and finds the list in an answer', () => {
    expect(listedObjects(truth)).toEqual(['red square at top right', 'blue circle at bottom right']);
    expect(listedObjects('I see a red square at top right, a green cross at top left and a blue circle at bottom right.')).toHaveLength(3);
    expect(listedObjects('I see nothing.')).toEqual([]);
    expect(listedObjects('no list')).toEqual([]);
    expect(answerList(`<think>${truth} The blue circle is at bottom right.</think> bottom right`)).toBe(truth);
    expect(answerList('bottom right')).toBe('');
  });

  it('counts exact lists, named objects, and answers right with and without a right list', () => {
    const items = [record('position', 'Where is the blue circle?', 'bottom right'), record('position', 'Where is the blue circle?', 'bottom right'), record('existence', 'Is there a red square in the image?', 'yes')];
    const answers = [
      `<think>${truth}</think> top left`, // right list, wrong answer
      '<think>I see a red square at top right and a blue circle at top left.</think> bottom right', // one object wrong, right answer
      `<think>${truth} So the answer is yes.</think> yes`, // both right
    ];
    const d = diagnoseUnderstanding(items, answers);
    expect(d).toMatchObject({ n: 3, listExact: 2, objectsNamed: 5, objects: 6, correct: 2, correctGivenExactList: 1 });
    expect(d.byCategory.position).toEqual({ n: 2, listExact: 1, correct: 1, correctGivenExactList: 0 });
    expect(d.byCategory.existence).toEqual({ n: 1, listExact: 1, correct: 1, correctGivenExactList: 1 });
    expect(() => diagnoseUnderstanding(items, answers.slice(1))).toThrow(/2 answers for 3 items/);
  });
});
