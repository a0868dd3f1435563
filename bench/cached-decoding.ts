/**
 * Cached decoding (Fast-dLLM's block-wise key/value cache) against exact decoding on the shipped
 * models/mmada-tiny: the ShapesWorld reasoning test split (100 items, batches of 50, greedy) answered with the
 * recipe's sampling (64 tokens, blocks of 16, one token per step), for exact / prefix / dual decoding, each
 * with and without confidence-threshold decoding (threshold 0.9, Fast-dLLM's default). Reports generated
 * tokens per second, forward passes, accuracy, and how many answers are identical to exact decoding's.
 * Rows go to bench/cached-decoding.jsonl (appended) and a table to bench/cached-decoding.md (rewritten
 * from all rows of the file).
 *
 *   npx tsx bench/cached-decoding.ts [--device cpu|webgpu] [--count 100] [--model models/mmada-tiny]
 *   npx tsx bench/cached-decoding.ts --table      (only rewrite the table from the JSON lines)
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { finalAnswerCorrect, generateShapesWorld } from '@mmada/eval';
import { chat, disposeModel, loadModel, loadTextTokenizer } from '@mmada/mmada';
import { foldIn, init, key, type DeviceName } from '@mmada/tensor';
import { RECIPE_SAMPLING, recipeTextSampling, type RecipeSampling } from '../packages/cli/src/recipe/recipe-eval.js';

const JSONL = new URL('./cached-decoding.jsonl', import.meta.url);
const TABLE = new URL('./cached-decoding.md', import.meta.url);
const THRESHOLD = 0.9;
const BATCH = 50;

export interface CachedDecodingRow {
  readonly date: string;
  readonly device: DeviceName;
  readonly model: string;
  readonly items: number;
  readonly genLength: number;
  readonly blockLength: number;
  readonly kvCache: 'none' | 'prefix' | 'dual';
  readonly threshold: number | null;
  readonly seconds: number;
  /** Generated tokens (items × genLength) per second of wall time. */
  readonly tokensPerSec: number;
  /** Forward passes of the model over the split (counted by the sampler). */
  readonly forwards: number;
  readonly accuracy: number;
  /** Answers identical to exact decoding's (same threshold setting). */
  readonly sameAsExact: number;
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly cores: number;
}

const { values } = parseArgs({
  options: { device: { type: 'string', default: 'cpu' }, count: { type: 'string', default: '100' }, model: { type: 'string', default: 'models/mmada-tiny' }, table: { type: 'boolean' } },
});
/** The table of every row in the JSON lines file, with the speed-up over exact decoding in the same run. */
function table(all: readonly CachedDecodingRow[]): string {
  const lines = [
    '# Cached decoding: exact vs Fast-dLLM prefix / dual key-value cache',
    '',
    'Written by `npx tsx bench/cached-decoding.ts` from `bench/cached-decoding.jsonl`. ShapesWorld reasoning test',
    'split, models/mmada-tiny, greedy, 64 tokens in blocks of 16, batches of 50; without a threshold one token',
    'per step (64 forward passes per batch), with threshold 0.9 every token ≥ 0.9 confident. tokens/s counts',
    'generated tokens over wall time; "same" is the number of answers identical to exact decoding with the same',
    'threshold setting. The date is when the row finished. The machine is shared (2 cores): the 1-minute load',
    'average is given at the start and end of each row, and speed-ups are only comparable between rows of similar load.',
    '',
    '| date | device | items | kv cache | threshold | seconds | tokens/s | speed-up | forwards | accuracy | same as exact | load start / end |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  all.forEach((r, i) => {
    // The baseline: the latest exact row of the same run (device, items, threshold) at or before this one.
    const base = all.slice(0, i + 1).reverse().find((b) => b.kvCache === 'none' && b.device === r.device && b.threshold === r.threshold && b.items === r.items);
    const speedup = base ? `${(base.seconds / r.seconds).toFixed(2)}×` : '–';
    lines.push(
      `| ${r.date.slice(0, 16).replace('T', ' ')} | ${r.device} | ${r.items} | ${r.kvCache} | ${r.threshold ?? '–'} | ${r.seconds} | ${r.tokensPerSec} | ${speedup} | ${r.forwards} | ${(100 * r.accuracy).toFixed(0)}% | ${r.sameAsExact}/${r.items} | ${r.loadStart} / ${r.loadEnd} |`,
    );
  });
  return `${lines.join('\n')}\n`;
}

async function measure(): Promise<void> {
  const device = values.device as DeviceName;
  const count = Number(values.count);
  const dir = values.model!;

  await init({ device });
  const loaded = await loadModel(dir, { device })();
  if (E.isLeft(loaded)) throw loaded.left;
  const tok = await loadTextTokenizer(dir)();
  if (E.isLeft(tok)) throw tok.left;
  const tokenizer = tok.right;
  const model = loaded.right;
  const items = generateShapesWorld('reasoning', { split: 'test', count });

  /** The recipe evaluation's answerQuestions (same prompts, key and sampler options), also counting forward passes. */
  async function answer(questions: readonly string[], sampling: RecipeSampling): Promise<{ texts: string[]; steps: number }> {
    return chat(model, tokenizer, questions.map((q) => [{ role: 'user', content: q }]), foldIn(key(0), questions.length), recipeTextSampling(sampling.reasoningLength, sampling));
  }

  async function run(sampling: RecipeSampling): Promise<{ answers: string[]; seconds: number; forwards: number }> {
    const answers: string[] = [];
    let forwards = 0;
    const t0 = performance.now();
    for (let i = 0; i < items.length; i += BATCH) {
      const r = await answer(items.slice(i, i + BATCH).map((it) => it.problem.question), sampling);
      answers.push(...r.texts);
      forwards += r.steps;
    }
    return { answers, seconds: (performance.now() - t0) / 1000, forwards };
  }

  // Warm-up (kernels, buffer pools) on a few items, not timed.
  await answer(items.slice(0, 2).map((r) => r.problem.question), RECIPE_SAMPLING);

  for (const threshold of [undefined, THRESHOLD]) {
    let exact: string[] | undefined;
    for (const kvCache of ['none', 'dual', 'prefix'] as const) {
      const loadStart = loadavg()[0]!;
      const r = await run({ ...RECIPE_SAMPLING, threshold, kvCache });
      exact ??= r.answers;
      const correct = r.answers.filter((a, i) => finalAnswerCorrect(a, items[i]!.problem.answer)).length;
      const row: CachedDecodingRow = {
        date: new Date().toISOString(), device, model: dir, items: items.length, genLength: RECIPE_SAMPLING.reasoningLength,
        blockLength: RECIPE_SAMPLING.blockLength, kvCache, threshold: threshold ?? null, seconds: +r.seconds.toFixed(2),
        tokensPerSec: +((items.length * RECIPE_SAMPLING.reasoningLength) / r.seconds).toFixed(1), forwards: r.forwards,
        accuracy: correct / items.length, sameAsExact: r.answers.filter((a, i) => a === exact![i]).length,
        loadStart: +loadStart.toFixed(2), loadEnd: +loadavg()[0]!.toFixed(2), cores: cpus().length,
      };
      console.log(JSON.stringify(row));
      appendFileSync(JSONL, `${JSON.stringify(row)}\n`);
    }
  }
  disposeModel(model);
}

if (!values.table) await measure();
const all = existsSync(JSONL) ? readFileSync(JSONL, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CachedDecodingRow) : [];
writeFileSync(TABLE, table(all));
