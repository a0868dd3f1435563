/**
 * What `mmada rl` and `mmada ablate` share: the loaded MMaDA model as @mmada/rl's policy, ShapesWorld task
 * families as RL prompts (MMaDA's chat / mmu / t2i layouts, each with its verifiable reward), the config
 * flags (TRL names in kebab case) on top of a preset, and a test-split evaluator.
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  generateShapesWorld, renderScene, finalAnswerCorrect, scoreUnderstanding, verifyT2I, answerAfterThink,
  type ReasoningRecord, type T2IRecord, type UnderstandingRecord,
} from '@mmada/eval';
import {
  chat, codesToImages, formatChat, generateImage, imageCodes, maskPredictorForward, mmuSequence, t2iSequence, t2iUnconditionalPrompt, tokenGrid,
  understandImage, type ImageTokenizer, type MaskPredictorModel, type MaskPredictorParameters, type TextTokenizer,
} from '@mmada/mmada';
import {
  getPreset, interleavePrompts, mmadaReasoningRewards, parseVariant, presetConfig, shapesWorldT2IRewards, shapesWorldUnderstandingRewards,
  validateRlConfig, LOSS_TYPES, PRESET_NAMES, SCALE_REWARDS, type AblationEvaluator, type ImageRlPrompt, type PromptSource, type RlConfig, type RlPolicy, type RlPrompt, type TextRlPrompt,
} from '@mmada/rl';
import { foldIn, key } from '@mmada/tensor';
import { choiceFlag, integerFlag, numberFlag } from '../flag-values.js';
import type { ParsedFlags } from '../parse-flags.js';
import { unwrap } from '../unwrap.js';
import { UsageError } from '../usage-error.js';

export const RL_TASKS = ['shapesworld-reasoning', 'shapesworld-understanding', 'shapesworld-t2i'] as const;
export type RlTaskName = (typeof RL_TASKS)[number];

/**
 * Parameters without weight decay: the RMSNorm weights (as Hugging Face's Trainer, which d1 and dLLM-RL run
 * on, leaves norm weights and biases undecayed).
 */
export const RL_NO_DECAY: readonly string[] = ['attn_norm', 'ff_norm', 'ln_f'];

/** The loaded model as the trainer's policy: π_θ's forward is the mask predictor's, stop tokens EOS and <|eot_id|>. */
export function mmadaPolicy(model: MaskPredictorModel, tokenizer: TextTokenizer): RlPolicy<MaskPredictorParameters> {
  const c = model.config;
  return {
    params: model.params,
    forward: (p, ids, padMask) => maskPredictorForward(p, c, ids, padMask ? { padMask } : {}),
    maskId: c.maskTokenId,
    eosId: c.eosTokenId,
    padId: c.padTokenId,
    stopIds: [c.eosTokenId, tokenizer.specialTokens.eotId],
  };
}

/** "a,b" → task names (each known, none twice). */
export function taskListFlag(text: string | undefined): RlTaskName[] {
  const parts = (text ?? 'shapesworld-reasoning').split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new UsageError(`--task expects a comma-separated list of ${RL_TASKS.join(', ')}`);
  for (const p of parts) if (!(RL_TASKS as readonly string[]).includes(p)) throw new UsageError(`--task: ${JSON.stringify(p)} is not one of ${RL_TASKS.join(', ')}`);
  if (new Set(parts).size !== parts.length) throw new UsageError(`--task lists a task twice: ${text}`);
  return parts as RlTaskName[];
}

export const needsImages = (tasks: readonly RlTaskName[]) => tasks.some((t) => t !== 'shapesworld-reasoning');

/** Flags of the RL config (TRL's names in kebab case), shared by `rl` and `ablate`. */
export const RL_CONFIG_FLAGS = {
  preset: { type: 'string' },
  'num-generations': { type: 'string' },
  'num-iterations': { type: 'string' },
  beta: { type: 'string' },
  epsilon: { type: 'string' },
  'epsilon-high': { type: 'string' },
  'loss-type': { type: 'string' },
  'scale-rewards': { type: 'string' },
  lr: { type: 'string' },
  'prompts-per-step': { type: 'string' },
  'max-completion-length': { type: 'string' },
  'sampling-steps': { type: 'string' },
  'block-length': { type: 'string' },
  temperature: { type: 'string' },
  'mask-truncated-completions': { type: 'boolean' },
  'reward-weights': { type: 'string' },
  'image-steps': { type: 'string' },
  guidance: { type: 'string' },
  seed: { type: 'string' },
} as const;

export const RL_CONFIG_USAGE = `  --preset NAME          ${PRESET_NAMES.join(' | ')} (default unigrpo); the values it sets are printed
  --num-generations G    completions per prompt
  --num-iterations MU    updates per generation batch
  --beta B               k3 KL coefficient (0: no reference policy)
  --epsilon E            clip ε (--epsilon-high for the upper side)
  --loss-type T          ${LOSS_TYPES.join(' | ')}
  --scale-rewards S      ${SCALE_REWARDS.join(' | ')}
  --lr LR                learning rate
  --prompts-per-step P   prompts per generation batch
  --max-completion-length N   tokens per text completion
  --sampling-steps S     text denoising steps; --block-length B its block length
  --temperature T        rollout temperature
  --mask-truncated-completions   completions without a stop token leave the loss
  --reward-weights k=w,… weight per reward component (correctness, format, strict, partial)
  --image-steps S        MaskGIT steps of t2i rollouts; --guidance W their CFG scale
  --seed K               seed of prompts, rollouts and masks`;

/** The string-valued flags of RL_CONFIG_FLAGS. */
type StringFlag = { [K in keyof typeof RL_CONFIG_FLAGS]: (typeof RL_CONFIG_FLAGS)[K]['type'] extends 'string' ? K : never }[keyof typeof RL_CONFIG_FLAGS];

function rewardWeightsFlag(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(part);
    if (!m) throw new UsageError(`--reward-weights expects name=weight pairs like correctness=2,format=0.5; got ${JSON.stringify(part)}`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * The preset's config with the flags given on top. A default sampler scale for small models applies unless a
 * flag sets it (`smallDefaults`: 64-token completions, 64 steps, block 32, 4 prompts × G 4 when the preset's
 * batch is larger). A bad value is a UsageError naming the flag.
 */
export function rlConfigFromFlags(f: ParsedFlags<typeof RL_CONFIG_FLAGS>, smallDefaults: Partial<RlConfig> = {}): { preset: string; config: RlConfig } {
  const preset = f.preset ?? 'unigrpo';
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) throw new UsageError(`--preset expects one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(preset)}`);
  const p = getPreset(preset).config;
  const o: Record<string, unknown> = { ...smallDefaults };
  const int = (flag: StringFlag, field: string, min: number) => {
    if (f[flag] !== undefined) o[field] = unwrap(integerFlag(flag, f[flag], undefined, min));
  };
  const num = (flag: StringFlag, field: string) => {
    if (f[flag] !== undefined) o[field] = unwrap(numberFlag(flag, f[flag], 0));
  };
  int('num-generations', 'numGenerations', 2);
  int('num-iterations', 'numIterations', 1);
  num('beta', 'beta');
  num('epsilon', 'epsilon');
  num('epsilon-high', 'epsilonHigh');
  if (f['loss-type'] !== undefined) o.lossType = unwrap(choiceFlag('loss-type', f['loss-type'], LOSS_TYPES, p.lossType));
  if (f['scale-rewards'] !== undefined) o.scaleRewards = unwrap(choiceFlag('scale-rewards', f['scale-rewards'], SCALE_REWARDS, p.scaleRewards));
  num('lr', 'learningRate');
  int('prompts-per-step', 'promptsPerStep', 1);
  int('max-completion-length', 'maxCompletionLength', 1);
  int('sampling-steps', 'steps', 1);
  int('block-length', 'blockLength', 1);
  num('temperature', 'temperature');
  if (f['mask-truncated-completions']) o.maskTruncatedCompletions = true;
  if (f['reward-weights'] !== undefined) o.rewardWeights = rewardWeightsFlag(f['reward-weights']);
  int('image-steps', 'imageSteps', 1);
  num('guidance', 'guidanceScale');
  int('seed', 'seed', 0);
  // Block length follows a shorter completion unless given.
  const len = (o.maxCompletionLength as number | undefined) ?? p.maxCompletionLength;
  if (o.blockLength === undefined && len < p.blockLength) o.blockLength = len;
  const config = presetConfig(preset, o as Partial<RlConfig>);
  const valid = validateRlConfig(config);
  if (E.isLeft(valid)) {
    const flag = FIELD_FLAGS[valid.left.field.split('.')[0]!] ?? valid.left.field;
    throw new UsageError(`${flag}: ${valid.left.message.replace(/^[\w.]+: /, '')}`);
  }
  return { preset, config };
}

const FIELD_FLAGS: Record<string, string> = {
  numGenerations: '--num-generations', numIterations: '--num-iterations', beta: '--beta', epsilon: '--epsilon', epsilonHigh: '--epsilon-high',
  lossType: '--loss-type', scaleRewards: '--scale-rewards', learningRate: '--lr', promptsPerStep: '--prompts-per-step',
  maxCompletionLength: '--max-completion-length', steps: '--sampling-steps', blockLength: '--block-length', temperature: '--temperature',
  rewardWeights: '--reward-weights', imageSteps: '--image-steps', guidanceScale: '--guidance', seed: '--seed', estimator: '--estimator',
};

/** `--estimator SPEC` (an ablation variant spec) applied to a config. */
export function withEstimator(config: RlConfig, spec: string | undefined): RlConfig {
  if (spec === undefined) return config;
  try {
    return { ...config, estimator: parseVariant(spec).estimator };
  } catch (e) {
    throw new UsageError(`--estimator: ${(e as Error).message}`);
  }
}

export interface TaskSetup {
  readonly tokenizer: TextTokenizer;
  readonly vq?: ImageTokenizer;
  /** Canvas side of the ShapesWorld images and the resolution the tokenizer sees. */
  readonly size: 32 | 64;
  readonly resolution: number;
  /** t2i layout's text length. */
  readonly maxSeqLength: number;
  /** MMaDA's thinking-mode instruction in the chat prompts. */
  readonly thinking: boolean;
}

const chatIds = (s: TaskSetup, question: string, bos = true) => s.tokenizer.encode(formatChat([{ role: 'user', content: question }], { bos, thinking: s.thinking }));
const decode = (s: TaskSetup, ids: readonly number[]) => s.tokenizer.decode(ids, { skipSpecialTokens: true });

function reasoningPrompts(records: readonly ReasoningRecord[], s: TaskSetup): RlPrompt[] {
  const fns = mmadaReasoningRewards();
  return records.map((r): TextRlPrompt => ({
    kind: 'text',
    task: 'shapesworld-reasoning',
    ids: chatIds(s, r.problem.question),
    reward: (c) => {
      const text = decode(s, c.ids);
      return { correctness: fns.correctness!(text, { gold: r.problem.answer }), format: fns.format!(text, { gold: r.problem.answer }) };
    },
  }));
}

async function understandingPrompts(records: readonly UnderstandingRecord[], s: TaskSetup): Promise<RlPrompt[]> {
  const fns = shapesWorldUnderstandingRewards();
  const codes = await imageCodes(s.vq!, records.map((r) => renderScene(r.scene)), { resolution: s.resolution });
  const sp = s.tokenizer.specialTokens;
  return records.map((r, i): TextRlPrompt => ({
    kind: 'text',
    task: 'shapesworld-understanding',
    ids: mmuSequence(codes[i]!.map((c) => c + sp.imageTokenOffset), chatIds(s, r.question.question, false), { specialTokens: sp }).ids,
    reward: (c) => ({ correctness: fns.correctness!(decode(s, c.ids), { question: r.question }) }),
  }));
}

function t2iPrompts(records: readonly T2IRecord[], s: TaskSetup): RlPrompt[] {
  const fns = shapesWorldT2IRewards();
  const sp = s.tokenizer.specialTokens;
  const grid = tokenGrid(s.vq!.config, [s.resolution, s.resolution]);
  const n = grid[0] * grid[1];
  const layout = { specialTokens: sp, maxSeqLength: s.maxSeqLength };
  const uncond = t2iUnconditionalPrompt(n, layout);
  return records.map((r): ImageRlPrompt => {
    const row = t2iSequence(s.tokenizer.encode(r.prompt.prompt), new Array<number>(n).fill(sp.mask), layout);
    return {
      kind: 'image',
      task: 'shapesworld-t2i',
      ids: row.ids,
      padMask: row.padMask,
      imageStart: s.maxSeqLength + 2,
      numImageTokens: n,
      codebookOffset: sp.imageTokenOffset,
      codebookSize: 2 ** s.vq!.config.bits,
      uncondPrefix: uncond.ids.slice(0, s.maxSeqLength + 1),
      uncondPadMask: uncond.padMask,
      reward: async (codes) => {
        const [img] = await codesToImages(s.vq!, [codes], grid);
        return { strict: fns.strict!(img!, { prompt: r.prompt }), partial: fns.partial!(img!, { prompt: r.prompt }) };
      },
    };
  });
}

/** The first `count` train items of each task as prompts (built once; the source cycles through them). */
export async function taskPrompts(tasks: readonly RlTaskName[], count: number, s: TaskSetup): Promise<RlPrompt[][]> {
  const out: RlPrompt[][] = [];
  for (const t of tasks) {
    if (t === 'shapesworld-reasoning') out.push(reasoningPrompts(generateShapesWorld('reasoning', { split: 'train', count }), s));
    else if (t === 'shapesworld-understanding') out.push(await understandingPrompts(generateShapesWorld('understanding', { split: 'train', count, size: s.size }), s));
    else out.push(t2iPrompts(generateShapesWorld('t2i', { split: 'train', count, size: s.size }), s));
  }
  return out;
}

/** A seeded prompt source over the task families (interleaved so every step mixes them). */
export const promptSource = (families: readonly RlPrompt[][], seed: number): PromptSource => interleavePrompts(families, seed);

/**
 * Test-split accuracy, averaged over the tasks: greedy answers at the given generation length (reasoning: the
 * final answer after </think>; understanding: the exact answer), t2i images by the strict pixel verifier
 * (independent of the text length). `limit` items per task, `batch` per sampler call.
 */
export function shapesWorldEvaluator(
  model: MaskPredictorModel, tasks: readonly RlTaskName[], s: TaskSetup, options: { genLengths: readonly number[]; limit: number; batch?: number; imageSteps: number; seed: number },
): AblationEvaluator<MaskPredictorParameters> {
  const bs = options.batch ?? 32;
  const k = foldIn(key(options.seed), 0x65);
  const reasoning = tasks.includes('shapesworld-reasoning') ? generateShapesWorld('reasoning', { split: 'test', count: options.limit }) : [];
  const understanding = tasks.includes('shapesworld-understanding') ? generateShapesWorld('understanding', { split: 'test', count: options.limit, size: s.size }) : [];
  const t2i = tasks.includes('shapesworld-t2i') ? generateShapesWorld('t2i', { split: 'test', count: options.limit, size: s.size }) : [];
  let understandingCodes: number[][] | undefined;
  const t2iCache = new Map<unknown, number>();
  // Blocks of up to 32 tokens that tile the generation length exactly (48 → 16, 64 → 32, 96 → 32).
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const sampling = (g: number) => ({ genLength: g, steps: g, blockLength: gcd(g, 32), temperature: 0, thinking: s.thinking });
  return {
    genLengths: options.genLengths,
    async accuracy(params, g) {
      const m: MaskPredictorModel = { config: model.config, params };
      const scores: number[] = [];
      if (reasoning.length) {
        let correct = 0;
        for (let i = 0; i < reasoning.length; i += bs) {
          const b = reasoning.slice(i, i + bs);
          const r = await chat(m, s.tokenizer, b.map((x) => [{ role: 'user' as const, content: x.problem.question }]), k, sampling(g));
          correct += r.texts.filter((t, j) => finalAnswerCorrect(t, b[j]!.problem.answer)).length;
        }
        scores.push(correct / reasoning.length);
      }
      if (understanding.length) {
        understandingCodes ??= await imageCodes(s.vq!, understanding.map((r) => renderScene(r.scene)), { resolution: s.resolution });
        let correct = 0;
        for (let i = 0; i < understanding.length; i += bs) {
          const b = understanding.slice(i, i + bs);
          const r = await understandImage(m, s.tokenizer, understandingCodes.slice(i, i + bs), b.map((x) => x.question.question), k, sampling(g));
          correct += r.texts.filter((t, j) => scoreUnderstanding(answerAfterThink(t), b[j]!.question)).length;
        }
        scores.push(correct / understanding.length);
      }
      if (t2i.length) {
        // Images do not depend on the text length: score each parameter set once.
        let acc = t2iCache.get(params);
        if (acc === undefined) {
          const grid = tokenGrid(s.vq!.config, [s.resolution, s.resolution]);
          let correct = 0;
          for (let i = 0; i < t2i.length; i += bs) {
            const b = t2i.slice(i, i + bs);
            const r = await generateImage(m, s.tokenizer, b.map((x) => x.prompt.prompt), k, {
              numImageTokens: grid[0] * grid[1], maxSeqLength: s.maxSeqLength, steps: options.imageSteps, temperature: 0, guidanceScale: 0,
            });
            const imgs = await codesToImages(s.vq!, r.codes, grid);
            correct += imgs.filter((img, j) => verifyT2I(img, b[j]!.prompt).correct).length;
          }
          acc = correct / t2i.length;
          t2iCache.clear();
          t2iCache.set(params, acc);
        }
        scores.push(acc);
      }
      return scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
    },
  };
}
