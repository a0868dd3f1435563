/**
 * mmada train --recipe mmada-tiny [--out models/mmada-tiny] [--stage1-steps N] [--stage2-steps N] [--batch B]
 *   [--width D] [--depth L] [--heads H] [--mlp F] [--vq DIR] [--until-stage 1|2] [--eval-count N] [--caption-dropout P]
 *   [--reasoning-trace plain|padded] [--understanding-trace list|lookup] [--as-shipped]
 *   [--t2i-guidance W] [--device cpu|webgpu] [--seed K]
 *
 * The whole MMaDA recipe in miniature on ShapesWorld (packages/cli/src/recipe/recipe.ts): text tokenizer,
 * image tokenizer, stage 1 pretraining, stage 2 mixed long-CoT SFT, held-out scores after each stage.
 * Re-running the same command continues an interrupted run.
 */
import { disposeImageTokenizer } from '@mmada/mmada';
import type { CliIO } from '../cli-io.js';
import { initDevice } from '../device-flag.js';
import { integerFlag, numberFlag } from '../flag-values.js';
import { lockOutputDir } from '../output-lock.js';
import { checkOutputDir } from '../output-paths.js';
import { parseFlags } from '../parse-flags.js';
import { runRecipe, RECIPE_DEFAULTS } from '../recipe/recipe.js';
import { trainShapesWorldImageTokenizer, SHAPESWORLD_VQ_CONFIG, SHAPESWORLD_VQ_LEARNING_RATE, SHAPESWORLD_VQ_LOSS } from '../recipe/image-tokenizer-stage.js';
import { vqSetupFromFlags } from '../recipe/image-tokenizer-flags.js';
import { architectureFromFlags } from '../recipe/architecture-flags.js';
import { MMADA_TINY_ARCHITECTURE } from '../recipe/recipe-config.js';
import { REASONING_TRACES, UNDERSTANDING_TRACES, type ReasoningTrace, type UnderstandingTrace } from '../recipe/shapesworld-text.js';
import { SHIPPED_FIXED_FLAGS, SHIPPED_RECIPE } from '../recipe/shipped-recipe.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';

export const RECIPE_NAMES = ['mmada-tiny'] as const;

export const RECIPE_USAGE = `mmada train --recipe mmada-tiny [options]

The MMaDA recipe on ShapesWorld, from scratch: a text tokenizer learned from the corpus, a MAGVIT-v2 image
tokenizer, stage 1 (mixed lm + mmu + t2i pretraining) and stage 2 (mixed long chain-of-thought SFT), with
the held-out scores of every stage. Resumable: run the same command again to continue.

  --out DIR              run directory, which ends up a model directory (default runs/mmada-tiny)
  --as-shipped           train models/mmada-tiny as it was made, from scratch (its MODEL_CARD.md; stage 2 in the
                         legs of src/recipe/shipped-recipe.ts); only --out, --device, --eval-count and --until-stage
                         go with it
  --stage1-steps N       stage 1 optimizer steps (default ${RECIPE_DEFAULTS.stage1.steps})
  --stage2-steps N       stage 2 optimizer steps (default ${RECIPE_DEFAULTS.stage2.steps})
  --batch B              rows per step (default ${RECIPE_DEFAULTS.stage1.batchSize})
  --lr1 LR, --lr2 LR     peak learning rates (default ${RECIPE_DEFAULTS.stage1.learningRate}, ${RECIPE_DEFAULTS.stage2.learningRate})
  --width D, --depth L, --heads H, --mlp F
                         the mask predictor's size: d_model, blocks, attention heads, SwiGLU hidden size (default
                         ${MMADA_TINY_ARCHITECTURE.dModel}, ${MMADA_TINY_ARCHITECTURE.nLayers}, ${MMADA_TINY_ARCHITECTURE.nHeads}, ${MMADA_TINY_ARCHITECTURE.mlpHiddenSize}; --mlp defaults to 3 × --width). A run directory keeps
                         the size it started with
  --vq DIR               use this image tokenizer instead of training one
  --vq-steps N           image tokenizer training steps when the recipe trains it
  --vq-batch B           its images per step
  --vq-lr LR             its peak learning rate (default ${SHAPESWORLD_VQ_LEARNING_RATE})
  --vq-ch C, --vq-mult M1,M2,…, --vq-bits K
                         its width, channel multiplier per level (levels − 1 = log2 of the downsampling) and LFQ
                         bits (default ${SHAPESWORLD_VQ_CONFIG.ch}, ${SHAPESWORLD_VQ_CONFIG.encoderChMult.join(',')}, ${SHAPESWORLD_VQ_CONFIG.bits})
  --vq-rec l1|l2, --vq-beta B, --vq-lam L, --vq-gam G
                         its reconstruction loss, commitment, entropy and codebook-entropy weights (default
                         ${SHAPESWORLD_VQ_LOSS.reconstruction}, ${SHAPESWORLD_VQ_LOSS.commitmentWeight}, ${SHAPESWORLD_VQ_LOSS.entropyWeight}, ${SHAPESWORLD_VQ_LOSS.diversityWeight}): the tokenizer that passes the held-out bar;
                         the shipped model's was --vq-mult 1,1,2,2,4 --vq-bits 6 --vq-rec l1 --vq-lam 0.05
                         (models/mmada-tiny/vq/README.md)
  --until-stage S        stop after stage 0 (the tokenizers), 1 or 2 (default 2)
  --eval-count N         held-out items per task family scored after each stage (default 100; 0 = none)
  --caption-dropout P    probability that a t2i row trains with an empty caption, in both stages (default 0;
                         upstream MMaDA uses 0.1). Guidance needs it: the empty caption is what w guides against
  --reasoning-trace T    how stage 2's reasoning rows write their arithmetic: plain (ShapesWorld's "17 + 23 = 40.")
                         or padded (every number of an equation in three digits, "017 + 023 = 040."; the answer
                         after </think> unchanged). Default plain; recorded in each stage-2 checkpoint and recipe.json
  --understanding-trace T
                         how stage 2's answers about images reach the answer after listing what the image holds:
                         list (answer at once) or lookup (first a sentence stating the asked-about fact, "The green
                         square is at top right."). Default list; recorded like --reasoning-trace
  --t2i-guidance W       classifier-free guidance of the scored images, (1+W)·cond − W·uncond (default 0);
                         recorded in recipe.json, which the demonstration reads. A list (W1,W2,…) chooses
                         per stage, on validation prompts after the training pools (never the test split)
  --device D             cpu | webgpu (default: MMADA_DEVICE, else webgpu if present, else cpu)
  --seed K               seed (default 0)
`;

const FLAGS = {
  recipe: { type: 'string' },
  out: { type: 'string' },
  'stage1-steps': { type: 'string' },
  'stage2-steps': { type: 'string' },
  batch: { type: 'string' },
  lr1: { type: 'string' },
  lr2: { type: 'string' },
  width: { type: 'string' },
  depth: { type: 'string' },
  heads: { type: 'string' },
  mlp: { type: 'string' },
  vq: { type: 'string' },
  'vq-steps': { type: 'string' },
  'vq-batch': { type: 'string' },
  'vq-lr': { type: 'string' },
  'vq-ch': { type: 'string' },
  'vq-mult': { type: 'string' },
  'vq-bits': { type: 'string' },
  'vq-rec': { type: 'string' },
  'vq-beta': { type: 'string' },
  'vq-lam': { type: 'string' },
  'vq-gam': { type: 'string' },
  'until-stage': { type: 'string' },
  'eval-count': { type: 'string' },
  'caption-dropout': { type: 'string' },
  't2i-guidance': { type: 'string' },
  'reasoning-trace': { type: 'string' },
  'understanding-trace': { type: 'string' },
  'as-shipped': { type: 'boolean' },
  device: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** --t2i-guidance: one scale, or a comma-separated list of candidates (each in [0, 100], no repeats). */
export function guidanceFlag(value: string | undefined): number[] {
  if (value === undefined) return [0];
  const parts = value.split(',').map((p) => p.trim());
  const ws = parts.map((p) => (p === '' ? NaN : Number(p)));
  const bad = parts.find((p, i) => !(ws[i]! >= 0 && ws[i]! <= 100));
  if (bad !== undefined) throw new UsageError(`--t2i-guidance expects a scale in [0, 100] or a comma-separated list of them, got ${JSON.stringify(bad)} in ${JSON.stringify(value)}`);
  if (new Set(ws).size !== ws.length) throw new UsageError(`--t2i-guidance lists a scale twice: ${JSON.stringify(value)}`);
  return ws;
}

export async function runTrainRecipe(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = unwrap(parseFlags(argv, FLAGS));
  const asShipped = parsed['as-shipped'] === true;
  if (asShipped) {
    const fixed = SHIPPED_FIXED_FLAGS.find((k) => parsed[k] !== undefined);
    if (fixed) throw new UsageError(`--as-shipped sets what --${fixed} would change; leave --${fixed} out (or drop --as-shipped)`);
  }
  const f = asShipped ? { ...parsed, ...SHIPPED_RECIPE.flags } : parsed;
  if (!RECIPE_NAMES.includes(f.recipe as (typeof RECIPE_NAMES)[number])) throw new UsageError(`--recipe expects one of ${RECIPE_NAMES.join(', ')}, got ${JSON.stringify(f.recipe)}`);
  const untilStage = unwrap(integerFlag('until-stage', f['until-stage'], 2, 0));
  if (untilStage > 2) throw new UsageError(`--until-stage expects 0, 1 or 2, got ${untilStage}`);
  const batch = unwrap(integerFlag('batch', f.batch, RECIPE_DEFAULTS.stage1.batchSize, 1));
  if (batch > 4096) throw new UsageError(`--batch ${batch} is more rows than a step of this recipe can hold (at most 4096)`);
  const steps1 = unwrap(integerFlag('stage1-steps', f['stage1-steps'], RECIPE_DEFAULTS.stage1.steps, 1));
  const steps2 = unwrap(integerFlag('stage2-steps', f['stage2-steps'], RECIPE_DEFAULTS.stage2.steps, 1));
  for (const [flag, v] of [['--stage1-steps', steps1], ['--stage2-steps', steps2]] as const) if (v > 10_000_000) throw new UsageError(`${flag} ${v} is beyond any run this recipe is meant for (at most 10000000)`);
  const vqSteps = f['vq-steps'] === undefined ? undefined : unwrap(integerFlag('vq-steps', f['vq-steps'], undefined, 1));
  const vqBatch = f['vq-batch'] === undefined ? undefined : unwrap(integerFlag('vq-batch', f['vq-batch'], undefined, 1));
  if (vqSteps !== undefined && vqSteps > 10_000_000) throw new UsageError(`--vq-steps ${vqSteps} is beyond any run this recipe is meant for (at most 10000000)`);
  if (vqBatch !== undefined && vqBatch > 4096) throw new UsageError(`--vq-batch ${vqBatch}: at most 4096 images per step`);
  const vqSetup = vqSetupFromFlags(f);
  const evalCount = unwrap(integerFlag('eval-count', f['eval-count'], 100, 0));
  if (evalCount > 600) throw new UsageError(`--eval-count ${evalCount} is more than the 600 items of each held-out split`);
  const seed = unwrap(integerFlag('seed', f.seed, 0));
  const lr1 = unwrap(numberFlag('lr1', f.lr1, RECIPE_DEFAULTS.stage1.learningRate));
  const lr2 = unwrap(numberFlag('lr2', f.lr2, RECIPE_DEFAULTS.stage2.learningRate));
  const captionDropout = unwrap(numberFlag('caption-dropout', f['caption-dropout'], 0));
  if (!(captionDropout >= 0 && captionDropout <= 1)) throw new UsageError(`--caption-dropout expects a probability in [0, 1], got ${f['caption-dropout']}`);
  const guidance = guidanceFlag(f['t2i-guidance']);
  const reasoningTrace = (f['reasoning-trace'] ?? 'plain') as ReasoningTrace;
  if (!REASONING_TRACES.includes(reasoningTrace)) throw new UsageError(`--reasoning-trace expects one of ${REASONING_TRACES.join(', ')}, got ${JSON.stringify(f['reasoning-trace'])}`);
  const understandingTrace = (f['understanding-trace'] ?? 'list') as UnderstandingTrace;
  if (!UNDERSTANDING_TRACES.includes(understandingTrace)) throw new UsageError(`--understanding-trace expects one of ${UNDERSTANDING_TRACES.join(', ')}, got ${JSON.stringify(f['understanding-trace'])}`);
  const architecture = architectureFromFlags(f);
  // every flag is read before the run directory is locked (a bad value leaves nothing behind)
  const out = f.out ?? 'runs/mmada-tiny';
  checkOutputDir(out, { flag: '--out' });
  using _lock = lockOutputDir(out, 'mmada train --recipe', (m) => io.stderr(`note: ${m}\n`));
  const device = unwrap(await initDevice(f.device, io));
  // SIGINT / SIGTERM stop after the current step, with a checkpoint: the same command then continues.
  const stop = new AbortController();
  const onSignal = () => {
    io.stderr('stopping after this step (checkpoint first)…\n');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const result = await runRecipe({
    signal: stop.signal,
    out,
    device,
    seed,
    stage1: { steps: steps1, batchSize: batch, learningRate: lr1 },
    stage2: { steps: steps2, batchSize: batch, learningRate: lr2 },
    architecture,
    captionDropout,
    traces: { reasoning: reasoningTrace, understanding: understandingTrace },
    ...(asShipped ? { stage2Legs: SHIPPED_RECIPE.stage2Legs } : {}),
    sampling: { guidanceScale: guidance[0]! },
    ...(guidance.length > 1 ? { guidanceCandidates: guidance } : {}),
    ...(f.vq !== undefined ? { vq: f.vq } : {}),
    trainImageTokenizer: async (dir) => {
      // The recipe reloads the tokenizer from its directory; free the trained copy this call returns.
      const trained = await trainShapesWorldImageTokenizer({ out: dir, device, seed, resume: true, signal: stop.signal, ...(vqSteps !== undefined ? { steps: vqSteps } : {}), ...(vqBatch !== undefined ? { batch: vqBatch } : {}), ...vqSetup, onProgress: (l: string) => io.stderr(`  ${l}\n`) });
      disposeImageTokenizer(trained.tokenizer);
    },
    untilStage: untilStage as 0 | 1 | 2,
    evalCount,
    log: (l) => io.stderr(`${l}\n`),
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (result.stopped) {
    io.stdout(`stopped; continue with the same command (run directory ${result.out})\n`);
    return 130;
  }
  io.stdout(`${result.table}\n\nmodel: ${result.out}\n`);
  return 0;
}
