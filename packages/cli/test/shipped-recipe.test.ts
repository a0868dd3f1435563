import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stageLegsProblem } from '../src/recipe/recipe.js';
import { SHIPPED_FIXED_FLAGS, SHIPPED_RECIPE } from '../src/recipe/shipped-recipe.js';

const shipped = (file: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../models/mmada-tiny/${file}`, import.meta.url)), 'utf8'));

describe('--as-shipped', () => {
  it('replays what models/mmada-tiny records of its own run', () => {
    const recipe = shipped('recipe.json');
    expect(stageLegsProblem(SHIPPED_RECIPE.stage2Legs)).toBeUndefined();
    const last = SHIPPED_RECIPE.stage2Legs.at(-1)!;
    // recipe.json records the last stage-2 leg's settings (a run continued by hand and one in legs alike)
    expect(last.until).toBe(recipe.stage2.steps);
    expect(last.captionDropout ?? 0).toBe(recipe.captionDropout);
    expect({ reasoning: last.traces?.reasoning ?? 'plain', understanding: last.traces?.understanding ?? 'list' }).toEqual(recipe.traces ?? { reasoning: 'plain', understanding: 'list' });
    expect(Number(SHIPPED_RECIPE.flags['stage1-steps'])).toBe(recipe.stage1.steps);
    expect(SHIPPED_RECIPE.flags['t2i-guidance'].split(',').map(Number)).toEqual(recipe.guidanceCandidates);
    expect(Number(SHIPPED_RECIPE.flags['vq-steps'])).toBe(shipped('vq/evaluation.json').steps);
    // every flag the preset sets is one it refuses from the command line
    for (const flag of Object.keys(SHIPPED_RECIPE.flags)) expect(SHIPPED_FIXED_FLAGS).toContain(flag);
  });
});
