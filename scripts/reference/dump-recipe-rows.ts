/**
 * Writes the mmada-tiny recipe's text training data, tokenised exactly as the recipe makes it, for the
 * PyTorch probe scripts/reference/tiny_masked_diffusion_probe.py (which measures how many steps the
 * architecture and objective need on ShapesWorld 2-step arithmetic):
 *
 *   - the reasoning train pool (recipe default 20,000 items) as (prompt, answer) ids of the stage-2
 *     `reasoning` rows and the answer ids of the stage-1 `lm` rows (stage-data.ts `textExample`);
 *   - the first batches of `stageBatchSource` (stage-2 schedule and seed, stage-1 schedule and seed), so the
 *     probe can check that its own item draws reproduce the recipe's;
 *   - a validation slice: train-split records after the pool whose question is not in the pool;
 *   - the test split (the items the recipe's eval scores), with gold answers;
 *   - per-id decoded text (special tokens skipped, as the eval decodes) to score completions;
 *   - arithmetic drill rows for the probe's data variant (not part of the recipe): one operation of the
 *     ranges the problems use, asked and answered in the trace format ("What is 35 + 27?" →
 *     "<think>35 + 27 = 62.</think> The answer is 62.").
 *
 * Run from the repository root (the workspace packages must be built):
 *   npx tsx scripts/reference/dump-recipe-rows.ts [OUT_DIR] [--validation N] [--test N] [--trace plain|padded]
 * OUT_DIR defaults to /tmp/s21/R. `--trace` is the reasoning rows' trace (shapesworld-text.ts `ReasoningTrace`). Writes OUT_DIR/recipe-rows.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { generateShapesWorld } from '@mmada/eval';
import { decodeAnswers, formatChat, loadTextTokenizer, type SftBatch } from '@mmada/mmada';
import { RECIPE_DEFAULTS } from '../../packages/cli/src/recipe/recipe.js';
import { REASONING_TRACES, reasoningCompletion, type ReasoningTrace } from '../../packages/cli/src/recipe/shapesworld-text.js';
import { stageBatchSource, STAGE_SCHEDULES, textExample, type RecipePools } from '../../packages/cli/src/recipe/stage-data.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const out = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? '/tmp/s21/R';
const traceAt = args.indexOf('--trace');
const trace = (traceAt >= 0 ? args[traceAt + 1] : 'plain') as ReasoningTrace;
if (!REASONING_TRACES.includes(trace)) throw new Error(`--trace expects one of ${REASONING_TRACES.join(', ')}, got ${trace}`);
const nValidation = flag('--validation', 500);
const nTest = flag('--test', 600);

const loaded = await loadTextTokenizer('models/mmada-tiny')();
if (E.isLeft(loaded)) throw loaded.left;
const tok = loaded.right;
const s = tok.specialTokens;

const poolSize = RECIPE_DEFAULTS.pool.reasoning;
const reasoning = generateShapesWorld('reasoning', { split: 'train', count: poolSize });
// Only the reasoning pool is read by the text row kinds dumped here; the image pools stay empty.
const pools: RecipePools = { reasoning, understanding: [], understandingCodes: [], t2i: [], t2iCodes: [] };

const pool = reasoning.map((r, i) => {
  const ex = textExample('reasoning', pools, i, tok, { reasoning: trace });
  const lm = textExample('lm', pools, i, tok);
  return { prompt: ex.prompt, answer: ex.answer, lm: lm.answer, steps: r.problem.steps, gold: r.problem.answer };
});

// The recipe's own batches (seed 0: stage 1 uses seed 1, stage 2 seed 2), for the probe to check its draws against.
const batchesOf = (schedule: readonly (typeof STAGE_SCHEDULES.stage2)[number][], seed: number, steps: number[]) => {
  const src = stageBatchSource(pools, tok, { schedule, batchSize: 64, seed, traces: { reasoning: trace } });
  return steps.map((step) => ({ step, ...(src(step) as SftBatch) }));
};
const stage2Steps = [0, 2, 4, 6, 9, 11, 13, 15, 900];
const stage1Steps = [0, 3, 6, 300];

const inPool = new Set(reasoning.map((r) => r.problem.question));
const after = generateShapesWorld('reasoning', { split: 'train', count: poolSize + 4 * nValidation }).slice(poolSize);
const validation = after.filter((r) => !inPool.has(r.problem.question)).slice(0, nValidation);
if (validation.length < nValidation) throw new Error(`only ${validation.length} validation items are new questions`);
const test = generateShapesWorld('reasoning', { split: 'test', count: nTest });

const prompts = (rs: typeof test) => rs.map((r) => ({
  prompt: tok.encode(formatChat([{ role: 'user', content: r.problem.question }])),
  question: r.problem.question,
  gold: r.problem.answer,
  steps: r.problem.steps,
  completion: reasoningCompletion(r, trace),
}));

// Per-id text as the eval decodes it, and the eval's decoding of some gold answers (for the probe to check
// that joining per-id texts reproduces the tokenizer's decode on this vocabulary).
const decodeTable = Array.from({ length: tok.size }, (_, id) => tok.decode([id], { skipSpecialTokens: true }));
const decodeCheck = pool.slice(0, 200).map((p) => ({ ids: p.answer, text: decodeAnswers([p.answer], tok)[0] }));

// Drill operations over the ranges of the problems' steps: sums and differences up to 120, products of
// the multiplication tables used, exact divisions; drawn by hashUnit-style integers so the file is stable.
const drawInt = (i: number, j: number, lo: number, hi: number) => {
  let h = (Math.imul(i + 1, 0x9e3779b9) ^ Math.imul(j + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97) >>> 0;
  return lo + (((h ^ (h >>> 15)) >>> 0) % (hi - lo + 1));
};
const drill = Array.from({ length: 20000 }, (_, i) => {
  const kind = i % 4;
  let a: number, b: number, op: string, v: number;
  if (kind === 0) [a, b, op] = [drawInt(i, 0, 0, 80), drawInt(i, 1, 0, 40), '+'];
  else if (kind === 1) { a = drawInt(i, 0, 1, 120); b = drawInt(i, 1, 0, a); op = '-'; }
  else if (kind === 2) [a, b, op] = [drawInt(i, 0, 2, 9), drawInt(i, 1, 2, 12), '*'];
  else { b = drawInt(i, 1, 2, 8); a = b * drawInt(i, 0, 2, 12); op = '/'; }
  v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  const ex = { prompt: tok.encode(formatChat([{ role: 'user', content: `What is ${a} ${op} ${b}?` }])), answer: tok.encode(`<think>${a} ${op} ${b} = ${v}.</think> The answer is ${v}.<|eot_id|>`) };
  return ex;
});

await mkdir(out, { recursive: true });
const file = join(out, 'recipe-rows.json');
await writeFile(file, JSON.stringify({
  special: { mask: s.mask, eos: s.eos, pad: s.pad, bos: s.bos, eotId: s.eotId, imageTokenOffset: s.imageTokenOffset },
  tokenizerSize: tok.size,
  schedules: STAGE_SCHEDULES,
  pool,
  recipeBatches: { stage2: { seed: 2, batches: batchesOf(STAGE_SCHEDULES.stage2.map(() => 'reasoning'), 2, stage2Steps) }, stage1: { seed: 1, batches: batchesOf(STAGE_SCHEDULES.stage1.map(() => 'lm'), 1, stage1Steps) } },
  validation: prompts(validation),
  test: prompts(test),
  decodeTable,
  decodeCheck,
  drill,
}));
console.log(`${file}: pool ${pool.length}, validation ${validation.length} (of ${after.length} later train items), test ${test.length}`);
