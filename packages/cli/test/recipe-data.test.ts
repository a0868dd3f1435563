import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateShapesWorld } from '@mmada/eval';
import { t2iUnconditionalPrompt, textTokenizerFromJson, vqConfig, type TextTokenizer } from '@mmada/mmada';
import { describeScene, plainArithmeticText, t2iPlan, understandingTrace } from '../src/recipe/shapesworld-text.js';
import { stageBatchSource, STAGE_SCHEDULES, T2I_MAX_SEQ_LENGTH, textExample, type RecipePools } from '../src/recipe/stage-data.js';
import { shapesWorldTextTokenizer } from '../src/recipe/text-tokenizer-stage.js';
import { recipeImageTokens, recipeModelConfig } from '../src/recipe/recipe-config.js';

let tok: TextTokenizer;
let pools: RecipePools;

beforeAll(() => {
  const t = shapesWorldTextTokenizer(300);
  const r = textTokenizerFromJson(t.tokenizerJson, t.tokenizerConfig);
  if (E.isLeft(r)) throw r.left;
  tok = r.right;
  const understanding = generateShapesWorld('understanding', { split: 'train', count: 20 });
  const t2i = generateShapesWorld('t2i', { split: 'train', count: 20 });
  pools = {
    reasoning: generateShapesWorld('reasoning', { split: 'train', count: 20 }),
    understanding,
    understandingCodes: understanding.map((_, i) => [i % 64, 1, 2, 3]),
    t2i,
    t2iCodes: t2i.map((_, i) => [4, 5, 6, i % 64]),
  };
});

describe('ShapesWorld recipe text', () => {
  it('describes a scene in reading order', () => {
    const scene = { size: 32 as const, objects: [{ shape: 'circle' as const, color: 'blue' as const, row: 1, col: 1 }, { shape: 'square' as const, color: 'red' as const, row: 0, col: 1 }] };
    expect(describeScene(scene)).toBe('I see a red square at top right and a blue circle at bottom right.');
    expect(describeScene({ size: 32, objects: [] })).toBe('I see nothing.');
  });

  it('keeps the exact answer after the trace, and counts in the trace', () => {
    for (const r of pools.understanding) {
      const trace = understandingTrace(r);
      expect(trace.startsWith('<think>')).toBe(true);
      expect(trace.endsWith(`</think> ${r.question.answer}`)).toBe(true);
      const m = /^How many (\w+) are there\?$/.exec(r.question.question);
      if (m) expect(trace).toContain(`: ${r.question.answer}.</think>`);
    }
  });

  it('plans every object of the reference scene', () => {
    for (const r of pools.t2i) expect(t2iPlan(r).split(',').length).toBe(r.scene.objects.length);
  });

  it('drops the trace tags from the stage-1 arithmetic text but keeps every step', () => {
    const r = pools.reasoning[0]!;
    const text = plainArithmeticText(r);
    expect(text).not.toMatch(/think>/);
    expect(text.startsWith(r.problem.question)).toBe(true);
    expect(text).toContain(`The answer is ${r.problem.gold}.`);
  });
});

describe('stage batches', () => {
  it('lays out an mmu row: image tokens offset into the vocabulary, answer after the assistant header', () => {
    const s = tok.specialTokens;
    const ex = textExample('mmu', pools, 3, tok);
    expect(ex.prompt.slice(0, 7)).toEqual([s.mmu, s.soi, 3 + s.imageTokenOffset, 1 + s.imageTokenOffset, 2 + s.imageTokenOffset, 3 + s.imageTokenOffset, s.eoi]);
    expect(ex.prompt.at(-2)).toBe(s.endHeader);
    expect(tok.decode(ex.answer)).toBe(`${pools.understanding[3]!.question.answer}<|eot_id|>`);
  });

  it('lays out a t2i row: [iPAD] left padding out of attention, the image as the only targets', async () => {
    const s = tok.specialTokens;
    const src = stageBatchSource(pools, tok, { schedule: ['t2i'], batchSize: 3, seed: 0 });
    const b = await src(0);
    for (let r = 0; r < 3; r++) {
      const row = b.ids[r]!;
      expect(row.length).toBe(T2I_MAX_SEQ_LENGTH + 1 + 4 + 2);
      expect(b.promptLengths[r]).toBe(T2I_MAX_SEQ_LENGTH + 2);
      expect(row[b.promptLengths[r]! - 1]).toBe(s.soi);
      expect(row.at(-1)).toBe(s.eoi);
      const pads = row.findIndex((t) => t !== s.ipad);
      expect(b.padMask![r]!.slice(0, pads).every((m) => m === 0)).toBe(true);
      expect(b.padMask![r]!.slice(pads).every((m) => m === 1)).toBe(true);
      expect(row.slice(-5, -1).every((t) => t >= s.imageTokenOffset)).toBe(true);
    }
  });

  it('drops t2i captions at the captionDropout rate: the row becomes the unconditional one, the image stays', async () => {
    const s = tok.specialTokens;
    const plain = stageBatchSource(pools, tok, { schedule: ['t2i-plan'], batchSize: 64, seed: 3 });
    const dropped = stageBatchSource(pools, tok, { schedule: ['t2i-plan'], batchSize: 64, seed: 3, captionDropout: 0.25 });
    const uncond = t2iUnconditionalPrompt(4, { specialTokens: s, maxSeqLength: T2I_MAX_SEQ_LENGTH });
    let drops = 0;
    for (let step = 0; step < 4; step++) {
      const a = await plain(step);
      const b = await dropped(step);
      for (let r = 0; r < 64; r++) {
        const text = b.ids[r]!.slice(0, T2I_MAX_SEQ_LENGTH + 1);
        // the image codes are those of the same item either way
        expect(b.ids[r]!.slice(-6)).toEqual(a.ids[r]!.slice(-6));
        if (text.join() === uncond.ids.slice(0, T2I_MAX_SEQ_LENGTH + 1).join()) {
          drops++;
          expect(b.padMask![r]).toEqual(uncond.padMask);
          expect(text.slice(-3)).toEqual([s.t2i, s.bos, s.eos]);
        } else expect(b.ids[r]).toEqual(a.ids[r]);
      }
    }
    // 256 rows at 0.25: a binomial with standard deviation 6.9
    expect(drops).toBeGreaterThan(64 - 25);
    expect(drops).toBeLessThan(64 + 25);
    expect(await dropped(2)).toEqual(await dropped(2));
    expect(() => stageBatchSource(pools, tok, { schedule: ['t2i'], batchSize: 2, seed: 0, captionDropout: 1.5 })).toThrow(/captionDropout must be in \[0, 1\], got 1.5/);
  });

  it('cycles the schedule and gives step s the same batch every time', async () => {
    const src = stageBatchSource(pools, tok, { schedule: STAGE_SCHEDULES.stage2, batchSize: 4, seed: 7 });
    const a = await src(5);
    const b = await src(5);
    expect(a).toEqual(b);
    const kinds = await Promise.all(STAGE_SCHEDULES.stage2.map(async (_, s) => (await src(s)).ids[0]!.length));
    expect(new Set(kinds).size).toBeGreaterThan(1);
    const other = stageBatchSource(pools, tok, { schedule: STAGE_SCHEDULES.stage2, batchSize: 4, seed: 8 });
    expect(await other(0)).not.toEqual(await src(0));
  });

  it('sizes the model vocabulary as text tokens + image codes, padded to 64', () => {
    const c = recipeModelConfig(tok, 64);
    expect(c.llmVocabSize).toBe(tok.size);
    expect(c.vocabSize).toBe(tok.size + 64);
    expect(c.embeddingSize % 64).toBe(0);
    expect(c.maskTokenId).toBe(tok.specialTokens.mask);
    expect(c.numVqTokens).toBe(4);
  });

  it('gives each image the tokenizer latent grid: 2×2 at ×16 downsampling, 4×4 at ×8, refused where 32 px cannot be encoded', () => {
    const vq = (levels: number) => vqConfig({ ch: 16, encoderChMult: new Array(levels).fill(1), decoderChMult: new Array(levels).fill(1), encoderNumResBlocks: new Array(levels).fill(1), decoderNumResBlocks: new Array(levels).fill(1), bits: 6, normGroups: 8 });
    expect(recipeImageTokens(vq(5))).toBe(4);
    expect(recipeImageTokens(vq(4))).toBe(16);
    expect(recipeModelConfig(tok, 1024, undefined, recipeImageTokens(vq(4))).numVqTokens).toBe(16);
    expect(() => recipeImageTokens(vq(7))).toThrow(/downsamples by 64 cannot encode 32×32/);
  });
});
