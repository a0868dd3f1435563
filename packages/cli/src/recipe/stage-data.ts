/**
 * Training rows of the mmada-tiny recipe in MMaDA's universal prompting layouts (spec/model.md §6):
 *
 *   lm       BOS, text, EOS…                                              (stage 1: every token a target)
 *   lm_chat  chat(question) | answer <|eot_id|> EOS…                       (prompt kept, answer masked)
 *   mmu      <|mmu|> <|soi|> image <|eoi|> BOS chat(question) | answer <|eot_id|> EOS…
 *   t2i      [iPAD]… <|t2i|> BOS text EOS <|soi|> | image <|eoi|>          ([iPAD] out of attention)
 *
 * Each optimizer step trains on one kind of row (the stage's schedule cycles through them), so rows of a
 * batch share one length and no compute goes to padding; over a cycle the loss is the stage's mixture. The
 * batch of step s depends only on s (exact resume): item k of a task's pool is taken at a seeded shuffle.
 */
import type { ReasoningRecord, T2IRecord, UnderstandingRecord } from '@mmada/eval';
import { formatChat, sftBatch, t2iTextPart, type SftBatch, type SftBatchSource, type SftExample, type TextTokenizer } from '@mmada/mmada';
import { plainArithmeticText, reasoningCompletion, t2iConditioningText, t2iPlan, t2iPlanRequest, understandingTrace, type ReasoningTrace, type UnderstandingTrace } from './shapesworld-text.js';

/** `max_seq_length` of the t2i layout: prompt and plan fit in 40 tokens. */
export const T2I_MAX_SEQ_LENGTH = 40;

export type RowKind = 'lm' | 'reasoning' | 'mmu' | 'mmu-trace' | 't2i' | 't2i-plan' | 'plan';

/** The train pools a stage draws from, with the image codes of every scene (recipeImageTokens codes each). */
export interface RecipePools {
  readonly reasoning: readonly ReasoningRecord[];
  readonly understanding: readonly UnderstandingRecord[];
  readonly understandingCodes: readonly (readonly number[])[];
  readonly t2i: readonly T2IRecord[];
  readonly t2iCodes: readonly (readonly number[])[];
}

const chatPrompt = (tok: TextTokenizer, question: string, bos = true) => tok.encode(formatChat([{ role: 'user', content: question }], { bos }));
const chatAnswer = (tok: TextTokenizer, answer: string) => tok.encode(`${answer.trim()}<|eot_id|>`);
const imageTokens = (tok: TextTokenizer, codes: readonly number[]) => codes.map((c) => c + tok.specialTokens.imageTokenOffset);

/** How stage 2's trace rows are written (shapesworld-text.ts; default 'plain' and 'list', ShapesWorld's own forms). */
export interface RowTraces {
  readonly reasoning?: ReasoningTrace;
  readonly understanding?: UnderstandingTrace;
}

/** One (prompt, answer) pair of a text row kind for item `i` of its pool. */
export function textExample(kind: Exclude<RowKind, 't2i' | 't2i-plan'>, pools: RecipePools, i: number, tok: TextTokenizer, traces: RowTraces = {}): SftExample {
  const s = tok.specialTokens;
  switch (kind) {
    case 'lm': {
      const r = pools.reasoning[i % pools.reasoning.length]!;
      return { prompt: [], answer: [s.bos, ...tok.encode(plainArithmeticText(r)), s.eos] };
    }
    case 'reasoning': {
      const r = pools.reasoning[i % pools.reasoning.length]!;
      return { prompt: chatPrompt(tok, r.problem.question), answer: chatAnswer(tok, reasoningCompletion(r, traces.reasoning)) };
    }
    case 'mmu':
    case 'mmu-trace': {
      const k = i % pools.understanding.length;
      const r = pools.understanding[k]!;
      const prompt = [s.mmu, s.soi, ...imageTokens(tok, pools.understandingCodes[k]!), s.eoi, s.bos, ...chatPrompt(tok, r.question.question, false)];
      return { prompt, answer: chatAnswer(tok, kind === 'mmu' ? r.question.answer : understandingTrace(r, traces.understanding)) };
    }
    case 'plan': {
      const r = pools.t2i[i % pools.t2i.length]!;
      return { prompt: chatPrompt(tok, t2iPlanRequest(r.prompt.prompt)), answer: chatAnswer(tok, t2iPlan(r)) };
    }
  }
}

/**
 * A t2i batch: the prompt (optionally with its plan) → the image codes, in the t2i layout. Rows whose
 * `dropCaption[j]` is true get the empty caption (`<|t2i|>, BOS, EOS`: the unconditional row that
 * classifier-free guidance samples against).
 */
export function t2iBatch(items: readonly number[], pools: RecipePools, tok: TextTokenizer, withPlan: boolean, dropCaption: readonly boolean[] = []): SftBatch {
  const s = tok.specialTokens;
  const ids: number[][] = [];
  const padMask: number[][] = [];
  const promptLengths: number[] = [];
  for (const [j, i] of items.entries()) {
    const k = i % pools.t2i.length;
    const r = pools.t2i[k]!;
    const caption = dropCaption[j] ? [] : tok.encode(t2iConditioningText(r.prompt.prompt, withPlan ? t2iPlan(r) : undefined));
    const text = t2iTextPart(caption, { specialTokens: s, maxSeqLength: T2I_MAX_SEQ_LENGTH });
    const image = imageTokens(tok, pools.t2iCodes[k]!);
    ids.push([...text.ids, s.soi, ...image, s.eoi]);
    padMask.push([...text.padMask, ...new Array<number>(image.length + 2).fill(1)]);
    promptLengths.push(text.ids.length + 1);
  }
  return { ids, promptLengths, padMask };
}

const CAPTION_DROPOUT_STREAM = 0x2c1b3c6d;

/** splitmix32-style hash → [0, 1): the shuffles of the pools. */
function hashUnit(seed: number, a: number, b: number): number {
  let h = (seed ^ Math.imul(a + 1, 0x9e3779b9) ^ Math.imul(b + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

export interface StageDataOptions {
  /** Row kinds, one per step, cycled. */
  readonly schedule: readonly RowKind[];
  readonly batchSize: number;
  readonly seed: number;
  /**
   * Probability that a t2i row's caption (and plan) is dropped (upstream MMaDA trains with 0.1, which is
   * what makes guidance possible at sampling time; default 0). Drawn per (step, row), independent of the items.
   */
  readonly captionDropout?: number;
  /** How the `reasoning` and `mmu-trace` rows are written (default: ShapesWorld's own forms). */
  readonly traces?: RowTraces;
}

const poolSize = (kind: RowKind, pools: RecipePools) =>
  kind === 'lm' || kind === 'reasoning' ? pools.reasoning.length : kind === 'mmu' || kind === 'mmu-trace' ? pools.understanding.length : pools.t2i.length;

/** The batch source of a stage (see the file comment). */
export function stageBatchSource(pools: RecipePools, tok: TextTokenizer, options: StageDataOptions): SftBatchSource {
  if (options.schedule.length === 0) throw new RangeError('stageBatchSource: empty schedule');
  const dropout = options.captionDropout ?? 0;
  if (!(dropout >= 0 && dropout <= 1)) throw new RangeError(`stageBatchSource: captionDropout must be in [0, 1], got ${dropout}`);
  return (step) => {
    const kind = options.schedule[step % options.schedule.length]!;
    const n = poolSize(kind, pools);
    // Random draws with replacement: item (step, row) of the pool, independent of every other step.
    const items = Array.from({ length: options.batchSize }, (_, r) => Math.floor(hashUnit(options.seed, step, r) * n));
    if (kind === 't2i' || kind === 't2i-plan') {
      // A second hash stream (seed offset) so that turning dropout on leaves every step's items unchanged.
      const drop = items.map((_, r) => dropout > 0 && hashUnit(options.seed + CAPTION_DROPOUT_STREAM, step, r) < dropout);
      return t2iBatch(items, pools, tok, kind === 't2i-plan', drop);
    }
    return sftBatch(items.map((i) => textExample(kind, pools, i, tok, options.traces)), { eosId: tok.specialTokens.eos });
  };
}

/** The row kinds of each stage: stage 1 pretrains on the mixture, stage 2 on the traces (reasoning on every other step). */
export const STAGE_SCHEDULES = {
  stage1: ['lm', 'mmu', 't2i'] as readonly RowKind[],
  stage2: ['reasoning', 'mmu-trace', 'reasoning', 't2i-plan', 'reasoning', 'plan', 'reasoning', 't2i', 'mmu-trace'] as readonly RowKind[],
};
