import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateShapesWorld } from '@mmada/eval';
import { t2iUnconditionalPrompt, textTokenizerFromJson, vqConfig, type TextTokenizer } from '@mmada/mmada';
import { describeScene, plainArithmeticText, reasoningCompletion, t2iPlan, understandingTrace } from '../src/recipe/shapesworld-text.js';
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

  it('states the asked-about fact before the answer in lookup traces', () => {
    const scene = { size: 32 as const, objects: [{ shape: 'circle' as const, color: 'blue' as const, row: 1, col: 1 }, { shape: 'square' as const, color: 'red' as const, row: 0, col: 1 }] };
    const seen = 'I see a red square at top right and a blue circle at bottom right.';
    const trace = (category: 'count' | 'color' | 'position' | 'existence', question: string, answer: string) =>
      understandingTrace({ ...pools.understanding[0]!, category, scene, question: { category, question, answer } }, 'lookup');
    expect(trace('position', 'Where is the blue circle?', 'bottom right')).toBe(`<think>${seen} The blue circle is at bottom right.</think> bottom right`);
    expect(trace('color', 'What color is the square?', 'red')).toBe(`<think>${seen} The square is red.</think> red`);
    expect(trace('existence', 'Is there a red square in the image?', 'yes')).toBe(`<think>${seen} The red square is at top right. So the answer is yes.</think> yes`);
    expect(trace('existence', 'Is there a red circle in the image?', 'no')).toBe(`<think>${seen} No red circle. So the answer is no.</think> no`);
    expect(trace('count', 'How many circles are there?', '1')).toBe(`<think>${seen} Circles: 1.</think> 1`);
    // `list` (the default) answers straight after the list
    const listed = understandingTrace({ ...pools.understanding[0]!, category: 'position', scene, question: { category: 'position', question: 'Where is the blue circle?', answer: 'bottom right' } });
    expect(listed).toBe(`<think>${seen}</think> bottom right`);
    for (const r of pools.understanding) {
      const t = understandingTrace(r, 'lookup');
      expect(t.startsWith(`<think>${describeScene(r.scene)}`)).toBe(true);
      expect(t.endsWith(`</think> ${r.question.answer}`)).toBe(true);
      // every colour, position and yes/no question gets its sentence; the answer is in it
      if (r.question.category === 'position') expect(t).toContain(`is at ${r.question.answer}.</think>`);
      if (r.question.category === 'color') expect(t).toContain(` is ${r.question.answer}.</think>`);
      if (r.question.category === 'existence') expect(t).toMatch(r.question.answer === 'yes' ? / is at [a-z ]+\. So the answer is yes\./ : / No \w+ \w+\. So the answer is no\./);
    }
  });

  it('plans every object of the reference scene', () => {
    for (const r of pools.t2i) expect(t2iPlan(r).split(',').length).toBe(r.scene.objects.length);
  });

  it('pads every number of a reasoning equation to three digits and leaves the rest of the completion as it was', () => {
    const r = { ...pools.reasoning[0]!, problem: { ...pools.reasoning[0]!.problem, question: 'q', completion: '<think>After getting 23 more, Ada has 17 + 23 = 40. After giving 5 away, Ada has 40 - 5 = 35.</think> The answer is 35.' } };
    expect(reasoningCompletion(r, 'padded')).toBe('<think>After getting 23 more, Ada has 017 + 023 = 040. After giving 5 away, Ada has 040 - 005 = 035.</think> The answer is 35.');
    expect(reasoningCompletion(r, 'plain')).toBe(r.problem.completion);
    expect(reasoningCompletion(r)).toBe(r.problem.completion);
    for (const p of pools.reasoning) {
      const padded = reasoningCompletion(p, 'padded');
      // Undoing the padding gives the plain completion back, and every equation number has three digits.
      expect(padded.replace(/\b0+(\d)/g, '$1')).toBe(p.problem.completion);
      const equations = [...padded.matchAll(/(\d+) [-+*/] (\d+) = (\d+)\./g)];
      expect(equations.length).toBe(p.problem.steps);
      for (const m of equations) expect([m[1], m[2], m[3]].every((n) => n!.length === 3)).toBe(true);
    }
    const big = { ...r, problem: { ...r.problem, completion: '<think>Ada has 1000 + 1 = 1001.</think> The answer is 1001.' } };
    expect(() => reasoningCompletion(big, 'padded')).toThrow(/1000 has more than 3 digits \(question: q\)/);
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
  it('writes understanding rows with the trace the batch source is given', async () => {
    const lookup = await stageBatchSource(pools, tok, { schedule: ['mmu-trace'], batchSize: 6, seed: 4, traces: { understanding: 'lookup' } })(0);
    const list = await stageBatchSource(pools, tok, { schedule: ['mmu-trace'], batchSize: 6, seed: 4 })(0);
    let sentences = 0;
    for (let r = 0; r < 6; r++) {
      expect(lookup.ids[r]!.slice(0, lookup.promptLengths[r])).toEqual(list.ids[r]!.slice(0, list.promptLengths[r]));
      const a = tok.decode(lookup.ids[r]!.slice(lookup.promptLengths[r]), { skipSpecialTokens: true });
      const b = tok.decode(list.ids[r]!.slice(list.promptLengths[r]), { skipSpecialTokens: true });
      if (/ is at | is [a-z]+\.<\/think>| No \w+ \w+\./.test(a)) sentences++;
      expect(a.length).toBeGreaterThanOrEqual(b.length);
    }
    expect(sentences).toBeGreaterThan(0);
  });

  it('writes reasoning rows with the trace the batch source is given', async () => {
    const plain = await stageBatchSource(pools, tok, { schedule: ['reasoning'], batchSize: 4, seed: 1 })(0);
    const padded = await stageBatchSource(pools, tok, { schedule: ['reasoning'], batchSize: 4, seed: 1, traces: { reasoning: 'padded' } })(0);
    for (let r = 0; r < 4; r++) {
      const prompt = padded.ids[r]!.slice(0, padded.promptLengths[r]);
      expect(prompt).toEqual(plain.ids[r]!.slice(0, plain.promptLengths[r]));
      const answer = tok.decode(padded.ids[r]!.slice(padded.promptLengths[r]), { skipSpecialTokens: true });
      expect(answer).toMatch(/ \d{3} [-+*/] \d{3} = \d{3}\./);
      expect(answer).not.toMatch(/(^|\D)\d{1,2} [-+*/] \d/); // no equation left unpadded
    }
  });

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
