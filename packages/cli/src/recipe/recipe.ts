/**
 * The mmada-tiny recipe, end to end, as one resumable function:
 *
 *   0a text tokenizer   learned from the ShapesWorld corpus            → OUT/tokenizer.json
 *   0b image tokenizer  MAGVIT-v2 LFQ on ShapesWorld scenes (or --vq)  → OUT/vq/
 *   1  stage 1          mixed lm + mmu + t2i pretraining from scratch  → OUT/stage1/
 *   2  stage 2          mixed long-CoT SFT from stage 1                → OUT/stage2/
 *
 * then the chosen model (the last stage) is written at OUT in the upstream layout. Every stage leaves a run
 * directory with its checkpoint, loss log, loss curve and held-out scores (scores.json); re-running the same
 * command continues where it stopped: finished stages are skipped, an interrupted one resumes from its
 * checkpoint (the batch and masks of step s depend only on s, so the losses are the uninterrupted run's).
 */
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { generateShapesWorld, renderScene, type Scene } from '@mmada/eval';
import {
  createModel, disposeModel, imageCodes, loadImageTokenizer, loadModel, loadTextTokenizer, LOSS_LOG_FILE, readLossLog, type LossLogEntry, readTrainingCheckpointInfo, saveModel, TRAINING_CHECKPOINT_DIR, trainSft,
  IMAGE_TOKENIZER_CHECKPOINT_DIR, VQ_CONFIG_FILE_NAME, VQ_WEIGHTS_FILE_NAME, type ImageTokenizer,
  type MaskPredictorModel, type TextTokenizer,
} from '@mmada/mmada';
import { key, writeFileAtomic, type DeviceName } from '@mmada/tensor';
import { architectureDifferences } from './architecture-flags.js';
import { MMADA_TINY_ARCHITECTURE, RECIPE_POOL_SIZES, RECIPE_RESOLUTION, recipeImageTokens, recipeModelConfig, type RecipeArchitecture } from './recipe-config.js';
import { evaluateRecipeModel, RECIPE_SAMPLING, sameSampling, scoresTable, type RecipeSampling, type RecipeScores } from './recipe-eval.js';
import { stageBatchSource, STAGE_SCHEDULES, type RecipePools, type RowTraces } from './stage-data.js';
import { evaluateImageTokenizer } from './image-tokenizer-stage.js';
import { chooseGuidance, type GuidanceChoice, type GuidanceChoiceOptions } from './guidance-choice.js';
import { writeShapesWorldTextTokenizer } from './text-tokenizer-stage.js';

export interface StageSettings {
  readonly steps: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

export interface RecipeOptions {
  readonly out: string;
  readonly device: DeviceName;
  readonly seed?: number;
  readonly stage1?: Partial<StageSettings>;
  readonly stage2?: Partial<StageSettings>;
  /** Train items per task the stages draw from (default 20000 reasoning, 8000 understanding and t2i). */
  readonly poolSize?: { readonly reasoning?: number; readonly images?: number };
  /** An existing image tokenizer directory to use instead of training one. */
  readonly vq?: string;
  /** Trains the image tokenizer when no `vq` is given (stage 0b). */
  readonly trainImageTokenizer?: (dir: string) => Promise<void>;
  readonly architecture?: RecipeArchitecture;
  /** Held-out items per family scored after each stage (default 100; 0 skips). */
  readonly evalCount?: number;
  /** Stop after this stage (default 2; 0 stops once both tokenizers exist). */
  readonly untilStage?: 0 | 1 | 2;
  readonly log?: (line: string) => void;
  /** Stops the stage in progress after its current step (a checkpoint is written first); re-run to continue. */
  readonly signal?: AbortSignal;
  /** Probability of dropping a t2i row's caption in both stages (default 0; upstream trains with 0.1). */
  readonly captionDropout?: number;
  /**
   * How stage 2's reasoning and understanding traces are written (default 'plain' and 'list'; stage 1 has no
   * trace rows). Recorded in each stage checkpoint's extra and in recipe.json.
   */
  readonly traces?: RowTraces;
  /** How the held-out scores are sampled (default RECIPE_SAMPLING); recorded in recipe.json for the demo. */
  readonly sampling?: Partial<RecipeSampling>;
  /**
   * Image guidance scales to choose from, per stage, on the validation split before scoring (guidance-choice.ts);
   * the choice replaces `sampling.guidanceScale` and is kept in OUT/stageN/guidance.json.
   */
  readonly guidanceCandidates?: readonly number[];
  /**
   * Stage 2 as consecutive legs, each with its own data options (default: one leg of `stage2.steps` with
   * `captionDropout` and `traces`). The last leg's `until` is stage 2's length.
   */
  readonly stage2Legs?: readonly StageLeg[];
}

/**
 * A leg of a stage: it trains from the previous leg's checkpoint to step `until` on its own data options. Its
 * learning rate follows the warmup-cosine schedule of a run that ends at `until`, so every leg after the first is
 * a warm restart: the same as continuing a finished run with a larger `--stage2-steps` and new flags, which is
 * how the shipped model was first made, leg by leg.
 */
export interface StageLeg {
  readonly until: number;
  /** Caption dropout of the leg's t2i rows (default 0). */
  readonly captionDropout?: number;
  readonly traces?: RowTraces;
}

/** Why a list of legs cannot be run (naming the leg and field), or undefined. */
export function stageLegsProblem(legs: readonly StageLeg[]): string | undefined {
  let prev = 0;
  for (const [i, leg] of legs.entries()) {
    if (!Number.isInteger(leg.until) || leg.until <= prev) return `stage-2 leg ${i + 1}: until must be an integer above ${prev}, got ${leg.until}`;
    const d = leg.captionDropout ?? 0;
    if (!(d >= 0 && d <= 1)) return `stage-2 leg ${i + 1}: captionDropout must be in [0, 1], got ${d}`;
    prev = leg.until;
  }
  return legs.length === 0 ? 'stage-2 legs: none given' : undefined;
}

export const RECIPE_DEFAULTS = {
  stage1: { steps: 6000, learningRate: 1e-3, batchSize: 64 } as StageSettings,
  stage2: { steps: 6000, learningRate: 5e-4, batchSize: 64 } as StageSettings,
  pool: RECIPE_POOL_SIZES,
};

export interface RecipeResult {
  readonly out: string;
  /** True when `signal` stopped the run before its last stage finished (nothing is scored or shipped then). */
  readonly stopped: boolean;
  readonly stages: { stage: string; steps: number; seconds: number; finalLoss: number; scores?: RecipeScores }[];
  readonly table: string;
}

/** Traces with their defaults filled in (what checkpoints and recipe.json record). */
const recipeTraces = (t: RowTraces | undefined): Required<RowTraces> => ({ reasoning: t?.reasoning ?? 'plain', understanding: t?.understanding ?? 'list' });

const exists = (p: string) => stat(p).then(() => true, () => false);

/** The step of a stage's training checkpoint, or undefined when it has none. */
async function checkpointStep(stageDir: string): Promise<number | undefined> {
  return must(await readTrainingCheckpointInfo(join(stageDir, TRAINING_CHECKPOINT_DIR))(), `${stageDir}: the training checkpoint`)?.step;
}

async function readJsonIf<T>(path: string): Promise<T | undefined> {
  return (await exists(path)) ? (JSON.parse(await readFile(path, 'utf8')) as T) : undefined;
}

function must<A>(e: E.Either<Error, A>, what: string): A {
  if (E.isLeft(e)) throw new Error(`${what}: ${e.left.message}`);
  return e.right;
}

/** Image codes of every scene, in batches; cached in `file` (keyed by the pool sizes) so a resume skips it. */
async function scenesToCodes(vq: ImageTokenizer, scenes: readonly Scene[], file: string, log: (l: string) => void): Promise<number[][]> {
  const cached = await readJsonIf<{ n: number; codes: number[][] }>(file);
  if (cached && cached.n === scenes.length) return cached.codes;
  const codes: number[][] = [];
  for (let i = 0; i < scenes.length; i += 256) {
    const batch = scenes.slice(i, i + 256).map(renderScene);
    codes.push(...(await imageCodes(vq, batch, { resolution: RECIPE_RESOLUTION })));
    if ((i / 256) % 8 === 0) log(`  image codes ${codes.length}/${scenes.length}`);
  }
  await writeFileAtomic(file, JSON.stringify({ n: scenes.length, codes }));
  return codes;
}

export async function buildRecipePools(vq: ImageTokenizer, out: string, sizes: { reasoning: number; images: number }, log: (l: string) => void): Promise<RecipePools> {
  const reasoning = generateShapesWorld('reasoning', { split: 'train', count: sizes.reasoning });
  const understanding = generateShapesWorld('understanding', { split: 'train', count: sizes.images });
  const t2i = generateShapesWorld('t2i', { split: 'train', count: sizes.images });
  const understandingCodes = await scenesToCodes(vq, understanding.map((r) => r.scene), join(out, 'codes-understanding.json'), log);
  const t2iCodes = await scenesToCodes(vq, t2i.map((r) => r.scene), join(out, 'codes-t2i.json'), log);
  return { reasoning, understanding, understandingCodes, t2i, t2iCodes };
}

async function runStage(
  name: 'stage1' | 'stage2', start: MaskPredictorModel, pools: RecipePools, tok: TextTokenizer, settings: StageSettings, o: RecipeOptions, log: (l: string) => void,
): Promise<{ model: MaskPredictorModel; seconds: number; finalLoss: number; stopped: boolean }> {
  const dir = join(o.out, name);
  const legs = stageLegs(name, settings, o);
  const done = (await checkpointStep(dir)) ?? 0;
  const end = legs.at(-1)!.until;
  if (done > end) throw new Error(`${join(dir, TRAINING_CHECKPOINT_DIR)}: this run's ${name} checkpoint is at step ${done}, past the ${end} steps asked; ask for at least ${done} or use another --out`);
  let model = start;
  let history: readonly LossLogEntry[] = [];
  for (const leg of legs) {
    // a leg the checkpoint is already past (or at the end of) was run before
    if (leg.until <= done) continue;
    const captionDropout = leg.captionDropout ?? 0;
    const traces = recipeTraces(leg.traces);
    const batches = stageBatchSource(pools, tok, { schedule: STAGE_SCHEDULES[name], batchSize: settings.batchSize, seed: (o.seed ?? 0) + (name === 'stage1' ? 1 : 2), captionDropout, traces });
    if (legs.length > 1) log(`  ${name} leg to step ${leg.until}: caption dropout ${captionDropout}, traces ${traces.reasoning}/${traces.understanding}`);
    let lastPrint = 0;
    const r = await trainSft(model, batches, {
      steps: leg.until,
      learningRate: settings.learningRate,
      seed: (o.seed ?? 0) + (name === 'stage1' ? 11 : 12),
      out: dir,
      resume: true,
      checkpointEvery: Math.max(50, Math.ceil(leg.until / 20)),
      extra: { recipe: 'mmada-tiny', stage: name, schedule: STAGE_SCHEDULES[name], batchSize: settings.batchSize, captionDropout, traces },
      ...(o.signal ? { signal: o.signal } : {}),
      onStep: (i) => {
        const now = performance.now();
        if (now - lastPrint > 10_000 || i.step === i.steps) {
          lastPrint = now;
          log(`  ${name} step ${i.step}/${i.steps}  loss ${i.loss.toFixed(4)}  lr ${i.lr.toExponential(2)}  ${i.secondsPerStep.toFixed(3)} s/step  ETA ${Math.round(i.etaSeconds)} s`);
        }
      },
    })();
    const run = must(r, `${name} training`);
    model = run.model;
    history = run.history;
    if (run.stopped) return { model, seconds: 0, finalLoss: NaN, stopped: true };
  }
  const finalLoss = history.length ? history.slice(-50).reduce((a, e) => a + e.loss, 0) / Math.min(50, history.length) : NaN;
  const seconds = history.reduce((a, e) => a + (e.seconds ?? 0), 0);
  return { model, seconds, finalLoss, stopped: false };
}

/** A stage's legs: stage 2's `stage2Legs` when given, else one leg of the stage's steps with the run's options. */
function stageLegs(name: 'stage1' | 'stage2', settings: StageSettings, o: RecipeOptions): readonly StageLeg[] {
  if (name === 'stage2' && o.stage2Legs?.length) return o.stage2Legs;
  return [{ until: settings.steps, captionDropout: o.captionDropout ?? 0, ...(o.traces ? { traces: o.traces } : {}) }];
}

/** A stage's guidance, chosen on the validation split; cached in DIR/guidance.json for its steps, count and candidates. */
async function stageGuidance(
  dir: string, model: MaskPredictorModel, tok: TextTokenizer, vq: ImageTokenizer, options: GuidanceChoiceOptions, steps: number, log: (l: string) => void,
): Promise<number> {
  const file = join(dir, 'guidance.json');
  const key = { steps, count: options.count, candidates: options.candidates, sampling: { ...options.sampling, guidanceScale: undefined } };
  const cached = await readJsonIf<typeof key & GuidanceChoice>(file);
  if (cached && JSON.stringify({ steps: cached.steps, count: cached.count, candidates: cached.candidates, sampling: cached.sampling }) === JSON.stringify(key)) return cached.chosen;
  log(`  choosing the image guidance among ${options.candidates.join(', ')} on ${options.count} validation prompts`);
  const choice = await chooseGuidance(model, tok, vq, { ...options, onTrial: (t) => log(`    w ${t.guidanceScale}: ${t.correct}/${t.n} accepted`) });
  log(`  guidance ${choice.chosen}`);
  await writeFileAtomic(file, `${JSON.stringify({ ...key, ...choice }, null, 2)}\n`);
  return choice.chosen;
}

/** Runs (or continues) the recipe; see the file comment. */
export async function runRecipe(o: RecipeOptions): Promise<RecipeResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const s1: StageSettings = { ...RECIPE_DEFAULTS.stage1, ...o.stage1 };
  if (o.stage2Legs) {
    const problem = stageLegsProblem(o.stage2Legs);
    if (problem) throw new RangeError(`runRecipe: ${problem}`);
  }
  // with legs, stage 2 ends where its last leg does
  const s2: StageSettings = { ...RECIPE_DEFAULTS.stage2, ...o.stage2, ...(o.stage2Legs ? { steps: o.stage2Legs.at(-1)!.until } : {}) };
  const evalCount = o.evalCount ?? 100;
  let sampling: RecipeSampling = { ...RECIPE_SAMPLING, ...o.sampling };
  const poolSizes = { ...RECIPE_DEFAULTS.pool, ...o.poolSize };
  await mkdir(o.out, { recursive: true });

  log('== 0a text tokenizer');
  if (!(await exists(join(o.out, 'tokenizer.json')))) log(`  ${await writeShapesWorldTextTokenizer(o.out)} tokens`);
  const tok = must(await loadTextTokenizer(o.out)(), 'text tokenizer');

  log('== 0b image tokenizer');
  const vqDir = o.vq ?? join(o.out, 'vq');
  // A tokenizer this recipe trained keeps its checkpoint/: the trainer then continues an interrupted run (a
  // finished one returns at once). One without a checkpoint (a copied --vq) is used as it is.
  const trainHere = o.vq === undefined && (!(await exists(join(vqDir, VQ_CONFIG_FILE_NAME))) || (o.trainImageTokenizer !== undefined && (await exists(join(vqDir, IMAGE_TOKENIZER_CHECKPOINT_DIR)))));
  if (trainHere) {
    if (!o.trainImageTokenizer) throw new Error(`no image tokenizer at ${vqDir}: pass one (--vq DIR) or let the recipe train it`);
    await o.trainImageTokenizer(vqDir);
    if (o.signal?.aborted) return { out: o.out, stopped: true, stages: [], table: '' };
  }
  const vq = must(await loadImageTokenizer(vqDir, { device: o.device })(), `image tokenizer ${vqDir}`);
  const codebook = 2 ** vq.config.bits;
  const acceptanceFile = join(vqDir, 'acceptance.json');
  // Judged again when the weights are newer than the verdict (the tokenizer was trained further).
  const mtime = (p: string) => stat(p).then((st) => st.mtimeMs, () => undefined);
  const stale = async () => {
    const judged = await mtime(acceptanceFile);
    return judged === undefined || ((await mtime(join(vqDir, VQ_WEIGHTS_FILE_NAME))) ?? 0) > judged;
  };
  if (evalCount > 0 && (await stale())) {
    const ev = await evaluateImageTokenizer(vq, { count: 200 });
    await writeFileAtomic(acceptanceFile, `${JSON.stringify({ ...ev, failures: ev.failures.slice(0, 20) }, null, 2)}\n`);
  }
  const acceptance = await readJsonIf<{ accepted: number; count: number; acceptance: number }>(acceptanceFile);
  if (acceptance) log(`  held-out reconstructions accepted by the verifier: ${acceptance.accepted}/${acceptance.count} (${(100 * acceptance.acceptance).toFixed(1)}%)`);

  if (o.untilStage === 0) return { out: o.out, stopped: false, stages: [], table: '' };

  // The pools (and the image codes of their scenes) are built only when a stage still has steps to run.
  let pools: RecipePools | undefined;
  const getPools = async () => {
    if (!pools) {
      log('== data pools');
      pools = await buildRecipePools(vq, o.out, poolSizes, log);
    }
    return pools;
  };
  const config = recipeModelConfig(tok, codebook, o.architecture ?? MMADA_TINY_ARCHITECTURE, recipeImageTokens(vq.config));

  const stages: RecipeResult['stages'] = [];
  let model: MaskPredictorModel | undefined;
  for (const name of ['stage1', 'stage2'] as const) {
    if (name === 'stage2' && (o.untilStage ?? 2) < 2) break;
    const settings = name === 'stage1' ? s1 : s2;
    log(`== ${name === 'stage1' ? '1 pretraining (lm + mmu + t2i)' : '2 mixed long-CoT SFT'}: ${settings.steps} steps of ${settings.batchSize} rows, lr ${settings.learningRate}`);
    const dir = join(o.out, name);
    let trained: Awaited<ReturnType<typeof runStage>>;
    if ((await checkpointStep(dir)) === settings.steps) {
      // Finished earlier: its weights are the run directory's model, its log says how long it took.
      if (model) disposeModel(model);
      const loaded = must(await loadModel(dir, { device: o.device })(), `${name} model`);
      // a finished stage of another size would silently become the start of the next stage
      const differs = architectureDifferences(loaded.config, o.architecture ?? MMADA_TINY_ARCHITECTURE);
      if (differs.length) {
        disposeModel(loaded);
        throw new Error(`${join(dir, 'config.json')}: this run's ${name} model has ${differs.join(', ')}; use another --out for another size`);
      }
      const history = await readLossLog(join(dir, LOSS_LOG_FILE));
      const tail = history.slice(-50);
      trained = { model: loaded, seconds: history.reduce((a, e) => a + (e.seconds ?? 0), 0), finalLoss: tail.reduce((a, e) => a + e.loss, 0) / Math.max(1, tail.length), stopped: false };
      log(`  ${name} already trained (${settings.steps} steps)`);
    } else {
      const start = model ?? createModel(config, key(o.seed ?? 0), { device: o.device });
      trained = await runStage(name, start, await getPools(), tok, settings, o, log);
    }
    model = trained.model;
    if (trained.stopped) {
      log(`  ${name} stopped after its checkpoint; run the same command again to continue`);
      disposeModel(model);
      return { out: o.out, stopped: true, stages, table: '' };
    }
    let scores: RecipeScores | undefined;
    const scoresFile = join(o.out, name, 'scores.json');
    if (evalCount > 0 && o.guidanceCandidates?.length) {
      const w = await stageGuidance(join(o.out, name), model, tok, vq, { candidates: o.guidanceCandidates, count: evalCount, planFirst: name === 'stage2', seed: o.seed ?? 0, sampling, pools: poolSizes }, settings.steps, log);
      sampling = { ...sampling, guidanceScale: w };
    }
    if (evalCount > 0) {
      const cached = await readJsonIf<{ steps: number; count: number; sampling?: RecipeSampling; scores: RecipeScores }>(scoresFile);
      // scores from before sampling was recorded were made with the defaults
      if (cached && cached.steps === settings.steps && cached.count === evalCount && sameSampling(cached.sampling ?? RECIPE_SAMPLING, sampling)) scores = cached.scores;
      else {
        log(`  scoring ${evalCount} held-out items per family`);
        scores = await evaluateRecipeModel(model, tok, vq, {
          count: evalCount, planFirst: name === 'stage2', seed: o.seed ?? 0, sampling, onProgress: (family, done, total) => log(`    ${family} ${done}/${total}`),
        });
        await writeFileAtomic(scoresFile, `${JSON.stringify({ steps: settings.steps, count: evalCount, sampling, scores }, null, 2)}\n`);
      }
      log(`  ${name}: reasoning ${(100 * scores.reasoning.accuracy).toFixed(1)}% (think format ${(100 * scores.reasoning.thinkFormatRate).toFixed(1)}%), understanding ${(100 * scores.understanding.accuracy).toFixed(1)}%, t2i ${(100 * scores.t2i.accuracy).toFixed(1)}%`);
    }
    stages.push({ stage: name, steps: settings.steps, seconds: trained.seconds, finalLoss: trained.finalLoss, ...(scores ? { scores } : {}) });
  }

  // The shipped model: the last stage, in the upstream layout, beside its tokenizers.
  must(await saveModel(model!, o.out)(), `writing the model to ${o.out}`);
  // A model directory carries the image tokenizer its codes come from.
  if (o.vq !== undefined && resolve(o.vq) !== resolve(o.out, 'vq')) await copyVq(o.vq, join(o.out, 'vq'));
  disposeModel(model!);
  const table = scoresTable(stages.filter((s) => s.scores).map((s) => ({ stage: s.stage, scores: s.scores! })));
  // captionDropout and traces are what the model's last steps trained on (stage 2's last leg), with or without legs
  const lastLeg = stageLegs('stage2', s2, o).at(-1)!;
  await writeFileAtomic(join(o.out, 'recipe.json'), `${JSON.stringify({ stages, architecture: o.architecture ?? MMADA_TINY_ARCHITECTURE, stage1: s1, stage2: s2, captionDropout: lastLeg.captionDropout ?? 0, traces: recipeTraces(lastLeg.traces), ...(o.stage2Legs ? { stage2Legs: o.stage2Legs } : {}), sampling, ...(o.guidanceCandidates?.length ? { guidanceCandidates: o.guidanceCandidates } : {}) }, null, 2)}\n`);
  return { out: o.out, stopped: false, stages, table };
}

async function copyVq(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const f of [VQ_CONFIG_FILE_NAME, VQ_WEIGHTS_FILE_NAME]) if (await exists(join(from, f))) await copyFile(join(from, f), join(to, f));
}

