/**
 * What the recipe's sampling choices rest on: the validation split (after the training pools, never the test
 * split), the rule that picks the image guidance on it (the drawing itself: recipe-eval.test.ts), and the
 * sampling a model directory records for the demonstration.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateShapesWorld } from '@mmada/eval';
import { recipeValidationItems } from '../src/recipe/validation-split.js';
import { pickGuidance } from '../src/recipe/guidance-choice.js';
import { parseRecordedSampling, readRecordedSampling } from '../src/recipe/recorded-sampling.js';
import { RECIPE_SAMPLING } from '../src/recipe/recipe-eval.js';

const root = mkdtempSync(join(tmpdir(), 'mmada-sampling-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('recipeValidationItems', () => {
  it('takes train items after the pool that repeat no pool item and no test item, the same every time', () => {
    const pools = { reasoning: 300, images: 200 };
    const stream = generateShapesWorld('reasoning', { split: 'train', count: 400 });
    const val = recipeValidationItems('reasoning', 50, pools);
    expect(val).toHaveLength(50);
    const pool = new Set(stream.slice(0, 300).map((r) => r.problem.question));
    const test = new Set(generateShapesWorld('reasoning', { split: 'test', count: 600 }).map((r) => r.problem.question));
    for (const r of val) {
      expect(pool.has(r.problem.question)).toBe(false);
      expect(test.has(r.problem.question)).toBe(false);
    }
    // the first validation item is the first train item after the pool (no repeat there)
    expect(val[0]!.id).toBe(stream[300]!.id);
    expect(recipeValidationItems('reasoning', 50, pools)).toEqual(val);
    const t2i = recipeValidationItems('t2i', 10, pools);
    const t2iPool = generateShapesWorld('t2i', { split: 'train', count: 200 }).map((r) => r.id);
    for (const r of t2i) expect(t2iPool).not.toContain(r.id);
    expect(() => recipeValidationItems('t2i', 0)).toThrow(/count must be an integer in \[1, 100000\], got 0/);
  });
});

describe('pickGuidance', () => {
  it('takes the most accepted images, and the smaller scale on a tie', () => {
    expect(pickGuidance([{ guidanceScale: 0, correct: 3, n: 10 }, { guidanceScale: 2, correct: 5, n: 10 }, { guidanceScale: 4, correct: 4, n: 10 }])).toBe(2);
    expect(pickGuidance([{ guidanceScale: 3, correct: 5, n: 10 }, { guidanceScale: 1, correct: 5, n: 10 }, { guidanceScale: 0, correct: 2, n: 10 }])).toBe(1);
    expect(() => pickGuidance([])).toThrow(/no trials/);
  });
});

describe('recorded sampling', () => {
  it('reads recipe.json\'s "sampling", defaults without one, and names the file and field of a bad value', async () => {
    const dir = join(root, 'model');
    expect(await readRecordedSampling(join(root, 'absent'))).toEqual({});
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ stages: [] }));
    expect(await readRecordedSampling(dir)).toEqual({});
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ sampling: { ...RECIPE_SAMPLING, guidanceScale: 2.5 } }));
    expect(await readRecordedSampling(dir)).toEqual({ ...RECIPE_SAMPLING, guidanceScale: 2.5 });
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ sampling: { guidanceScale: -1 } }));
    await expect(readRecordedSampling(dir)).rejects.toThrow(/recipe\.json: "sampling\.guidanceScale" must be a number in \[0, 100\], got -1/);
    writeFileSync(join(dir, 'recipe.json'), '{ not json');
    await expect(readRecordedSampling(dir)).rejects.toThrow(/recipe\.json: not JSON/);
    expect(() => parseRecordedSampling({ blockLength: 0 }, 'f.json')).toThrow(/f\.json: "sampling\.blockLength" must be an integer in \[1, 4096\], got 0/);
    expect(() => parseRecordedSampling({ kvCache: 'all' }, 'f.json')).toThrow(/"sampling\.kvCache" must be "none", "prefix" or "dual", got "all"/);
    expect(() => parseRecordedSampling({ threshold: 2 }, 'f.json')).toThrow(/"sampling\.threshold" must be a number in \(0, 1\], got 2/);
    expect(() => parseRecordedSampling([], 'f.json')).toThrow(/"sampling" must be an object/);
  });
});
