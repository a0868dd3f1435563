/**
 * The RL ablation: from one starting policy, every variant × seed is trained with the same base config, the
 * same prompts (a function of the seed only) and — through the (seed, step, iteration, sample) keys — the same
 * masks wherever the variants draw them alike. Each run lives in `out/runs/VARIANT/seed-S/` (the trainer's
 * metrics.jsonl and checkpoint, and eval.jsonl); the ablation writes `summary.json`, `summary.md` and the
 * charts (SVG, plus PNG where @resvg/resvg-js is available) to `out`.
 *
 * The test-split evaluation is pluggable (`evaluator`): it is called on the weights every `evalEvery` steps
 * and at the end, at each generation length, so the summary can report the best and the last checkpoint.
 *
 * Resuming: a run whose metrics.jsonl already holds every step, trained with the same config
 * (rl-config.json), is read back as it is — its checkpoint is not needed, so an ablation copied without its
 * checkpoints can be completed with more variants. Other runs continue from their checkpoint (or start over
 * without one). Each run records the device it trained on (`deviceLabel`) in run-info.json, and the summary
 * lists them per variant, so seconds per step measured on different machines are never silently mixed.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { readTrainingCheckpointInfo } from '@mmada/autograd';
import { dispose, writeFileAtomic } from '@mmada/tensor';
import { readJsonLines, writeTextAtomically } from '../trainer/files.js';
import { configDifferences, rlTrain, RL_CHECKPOINT_DIR, RL_CONFIG_FILE, RL_METRICS_FILE, RlTrainError } from '../trainer/grpo-trainer.js';
import type { RlStepMetrics } from '../trainer/rl-metrics.js';
import type { RlPolicy } from '../trainer/policy.js';
import { validateRlConfig, type RlConfig } from '../trainer/rl-config.js';
import type { PromptSource } from '../trainer/rl-prompt.js';
import { ablationCharts, ablationMarkdown, jsonSafe, summarizeAblation, type AblationRun, type AblationSummary, type EvalPoint } from './ablation-summary.js';
import { svgToPng } from '@mmada/charts/png';
import { parseVariant, variantConfig, variantDir, type Variant } from './variants.js';

export const ABLATION_SUMMARY_JSON = 'summary.json';
/** Where the runs go: `<out>/runs/<variant>/seed-<k>/`. */
export const ABLATION_RUNS_DIR = 'runs';
export const ABLATION_SUMMARY_MD = 'summary.md';
export const ABLATION_EVAL_FILE = 'eval.jsonl';
export const ABLATION_RUN_INFO_FILE = 'run-info.json';

/** run-info.json of a run: where it trained. */
export interface AblationRunInfo {
  /** The devices it trained on, in order (more than one when it was resumed elsewhere). */
  readonly devices: readonly string[];
}

/** Test-split accuracy of a policy's weights: what "best" and "last" checkpoints are scored by. */
export interface AblationEvaluator<P> {
  /** Generation lengths to score at (e.g. two); the first one picks each run's best checkpoint. */
  readonly genLengths: readonly number[];
  /** Accuracy in [0, 1] of `params` at `genLength`. */
  accuracy(params: P, genLength: number): Promise<number>;
}

export interface AblationOptions<P> {
  /** The starting checkpoint every run begins from (never modified). */
  readonly policy: RlPolicy<P>;
  /** The config every variant shares; a variant replaces its estimator, a run its seed. */
  readonly base: RlConfig;
  /** Variant specs (see parseVariant), e.g. ['unigrpo', 'd1', 'coupled', 'llada-mc', 'unigrpo:random']. */
  readonly variants: readonly string[];
  readonly seeds: readonly number[];
  /** Steps (generation batches) per run. */
  readonly maxSteps: number;
  /**
   * Per-variant budgets (by variant spec) where a variant is too costly for the full grid: the first `seeds`
   * seeds of `seeds` and/or `steps` steps. The summary reports each variant's seeds and steps.
   */
  readonly budgets?: Readonly<Record<string, { readonly seeds?: number; readonly steps?: number }>>;
  /** The prompts of a run with this seed (the same for every variant). */
  readonly prompts: (seed: number) => PromptSource;
  readonly out: string;
  readonly evaluator?: AblationEvaluator<P>;
  /** Evaluate every this many steps and at the end (default: a quarter of maxSteps). */
  readonly evalEvery?: number;
  /** Trailing-mean window of the curves and of the final reward (default: a tenth of maxSteps, at least 1). */
  readonly smoothing?: number;
  /** Continue runs from their checkpoints (finished runs are read back, not rerun). */
  readonly resume?: boolean;
  readonly checkpointEvery?: number;
  readonly noDecay?: readonly string[];
  readonly logEntropy?: boolean;
  /** Progress lines (default: stderr); false: silent. */
  readonly progress?: ((line: string) => void) | false;
  /** Render PNG copies of the charts when possible (default true). */
  readonly png?: boolean;
  /**
   * The device this invocation trains on, as it should be reported (e.g. `webgpu (NVIDIA H200)`); recorded in
   * each run's run-info.json when the run trains, and listed per variant in the summary.
   */
  readonly deviceLabel?: string;
  /** Recorded in summary.json / summary.md (model, tasks, …). */
  readonly settings?: Record<string, unknown>;
  readonly signal?: AbortSignal;
}

export interface AblationResult {
  readonly summary: AblationSummary;
  readonly files: { readonly summaryJson: string; readonly summaryMd: string; readonly svg: readonly string[]; readonly png: readonly string[] };
  /** Why there are no PNGs, when there are none. */
  readonly pngNote?: string;
  readonly stopped: boolean;
}

/** The step of a run's checkpoint (0 without one; a broken one is an error naming what is wrong). */
async function checkpointStep(dir: string): Promise<E.Either<RlTrainError, number>> {
  const info = await readTrainingCheckpointInfo(join(dir, RL_CHECKPOINT_DIR))();
  if (E.isLeft(info)) return E.left(new RlTrainError(`cannot read the checkpoint of ${dir}: ${info.left.message}`, { cause: info.left }));
  return E.right(info.right?.step ?? 0);
}

/**
 * The metrics of a run that already holds every one of `maxSteps` steps, trained with `config`; undefined when
 * the run is missing or unfinished. A finished run trained with another config is an error (resuming it would
 * mix two experiments under one name).
 */
async function finishedRun(dir: string, config: RlConfig, maxSteps: number): Promise<E.Either<RlTrainError, RlStepMetrics[] | undefined>> {
  const metrics = await readJsonLines<RlStepMetrics>(join(dir, RL_METRICS_FILE));
  if (metrics.length < maxSteps || !metrics.slice(0, maxSteps).every((m, i) => m.step === i + 1)) return E.right(undefined);
  let stored: RlConfig;
  try {
    stored = JSON.parse(await readFile(join(dir, RL_CONFIG_FILE), 'utf8')) as RlConfig;
  } catch {
    return E.left(new RlTrainError(`${dir} holds ${maxSteps} steps of metrics but no readable ${RL_CONFIG_FILE}: cannot tell what it ran`));
  }
  const differ = configDifferences(stored, config);
  if (differ.length) return E.left(new RlTrainError(`${dir} was trained with a different config (${differ.join(', ')}); use another --out`));
  return E.right(metrics.slice(0, maxSteps));
}

async function readRunInfo(dir: string): Promise<AblationRunInfo> {
  try {
    const info = JSON.parse(await readFile(join(dir, ABLATION_RUN_INFO_FILE), 'utf8')) as Partial<AblationRunInfo>;
    return { devices: Array.isArray(info.devices) ? info.devices.filter((d): d is string => typeof d === 'string') : [] };
  } catch {
    return { devices: [] };
  }
}

async function evaluateAt<P>(evaluator: AblationEvaluator<P>, params: P, step: number): Promise<EvalPoint> {
  const accuracy: Record<string, number> = {};
  for (const g of evaluator.genLengths) accuracy[String(g)] = await evaluator.accuracy(params, g);
  return { step, accuracy };
}

/** Runs the ablation (see the file comment). A Left names a bad variant, seed list or config. */
export async function runAblation<P>(options: AblationOptions<P>): Promise<E.Either<RlTrainError, AblationResult>> {
  let variants: Variant[];
  try {
    variants = options.variants.map(parseVariant);
  } catch (e) {
    return E.left(new RlTrainError((e as Error).message));
  }
  if (variants.length === 0) return E.left(new RlTrainError('variants: give at least one'));
  const names = variants.map((v) => variantDir(v.name));
  if (new Set(names).size !== names.length) return E.left(new RlTrainError(`variants: listed twice (${options.variants.join(', ')})`));
  if (options.seeds.length === 0 || options.seeds.some((s) => !Number.isInteger(s) || s < 0) || new Set(options.seeds).size !== options.seeds.length) {
    return E.left(new RlTrainError(`seeds: give distinct non-negative integers, got ${options.seeds.join(', ')}`));
  }
  for (const [name, b] of Object.entries(options.budgets ?? {})) {
    if (!variants.some((v) => v.name === name)) return E.left(new RlTrainError(`budget for ${name}: not one of the variants (${variants.map((v) => v.name).join(', ')})`));
    if (b.seeds !== undefined && !(Number.isInteger(b.seeds) && b.seeds >= 1 && b.seeds <= options.seeds.length)) {
      return E.left(new RlTrainError(`budget for ${name}: seeds must be an integer in 1 … ${options.seeds.length}, got ${b.seeds}`));
    }
    if (b.steps !== undefined && !(Number.isInteger(b.steps) && b.steps >= 1)) return E.left(new RlTrainError(`budget for ${name}: steps must be a positive integer, got ${b.steps}`));
  }
  const seedsOf = (v: Variant) => options.seeds.slice(0, options.budgets?.[v.name]?.seeds ?? options.seeds.length);
  const stepsOf = (v: Variant) => options.budgets?.[v.name]?.steps ?? options.maxSteps;
  for (const v of variants) {
    const c = validateRlConfig(variantConfig(options.base, v, options.seeds[0]!));
    if (E.isLeft(c)) return E.left(new RlTrainError(`variant ${v.name}: ${c.left.message}`));
  }
  const evalEvery = options.evalEvery ?? Math.max(1, Math.ceil(options.maxSteps / 4));
  const window = options.smoothing ?? Math.max(1, Math.round(options.maxSteps / 10));
  const say = options.progress === false ? undefined : (options.progress ?? ((l: string) => void process.stderr.write(`${l}\n`)));
  const evaluator = options.evaluator;

  // The starting checkpoint's accuracy: the same for every run, computed once.
  let initial: EvalPoint | undefined;
  if (evaluator) {
    const file = join(options.out, 'initial-eval.json');
    try {
      initial = options.resume ? (JSON.parse(await readFile(file, 'utf8')) as EvalPoint) : undefined;
    } catch {
      initial = undefined;
    }
    if (!initial) {
      say?.('ablation: evaluating the starting checkpoint');
      initial = await evaluateAt(evaluator, options.policy.params, 0);
      await writeTextAtomically(file, `${JSON.stringify(initial)}\n`);
    }
  }

  const runs: AblationRun[] = [];
  let stopped = false;
  const total = variants.reduce((a, v) => a + seedsOf(v).length, 0);
  let done = 0;
  for (const v of variants) {
    const maxSteps = stepsOf(v);
    for (const seed of seedsOf(v)) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const dir = join(options.out, ABLATION_RUNS_DIR, variantDir(v.name), `seed-${seed}`);
      const evalFile = join(dir, ABLATION_EVAL_FILE);
      const config = variantConfig(options.base, v, seed);
      const label = `[${v.name} seed ${seed} · run ${++done}/${total}]`;
      if (options.resume) {
        const finished = await finishedRun(dir, config, maxSteps);
        if (E.isLeft(finished)) return finished;
        if (finished.right) {
          const info = await readRunInfo(dir);
          say?.(`${label} finished earlier${info.devices.length ? ` on ${info.devices.join(', then ')}` : ''}: read back`);
          runs.push({ variant: v.name, seed, metrics: finished.right, evals: (await readJsonLines<EvalPoint>(evalFile)).filter((e) => e.step <= maxSteps), ...(info.devices.length ? { devices: info.devices } : {}) });
          continue;
        }
      }
      const resumeStep = options.resume ? await checkpointStep(dir) : E.right(0);
      if (E.isLeft(resumeStep)) return resumeStep;
      const startStep = resumeStep.right;
      const evals: EvalPoint[] = options.resume ? (await readJsonLines<EvalPoint>(evalFile)).filter((e) => e.step <= startStep) : [];
      // Where the run trains: appended to what a resumed run already recorded.
      const before = startStep > 0 ? (await readRunInfo(dir)).devices : [];
      const devices = options.deviceLabel && before[before.length - 1] !== options.deviceLabel ? [...before, options.deviceLabel] : before;
      if (devices.length) {
        await mkdir(dir, { recursive: true });
        await writeTextAtomically(join(dir, ABLATION_RUN_INFO_FILE), `${JSON.stringify({ devices } satisfies AblationRunInfo, null, 2)}\n`);
      }
      const r = await rlTrain({
        policy: options.policy,
        config,
        prompts: options.prompts(seed),
        maxSteps,
        out: dir,
        resume: !!options.resume,
        checkpointEvery: options.checkpointEvery ?? evalEvery,
        ...(options.noDecay ? { noDecay: options.noDecay } : {}),
        ...(options.logEntropy !== undefined ? { logEntropy: options.logEntropy } : {}),
        progress: say ? (line) => say(`${label} ${line}`) : false,
        ...(options.signal ? { signal: options.signal } : {}),
        extra: { ablation: { variant: v.name, seed } },
        onStep: async (m, params) => {
          if (!evaluator || (m.step % evalEvery !== 0 && m.step !== maxSteps)) return;
          const point = await evaluateAt(evaluator, params, m.step);
          evals.push(point);
          say?.(`${label} eval at step ${m.step}: ${Object.entries(point.accuracy).map(([g, a]) => `@${g} ${a.toFixed(3)}`).join(', ')}`);
        },
      })();
      if (E.isLeft(r)) return r;
      dispose(r.right.params);
      await writeTextAtomically(evalFile, evals.map((e) => `${JSON.stringify(e)}\n`).join(''));
      if (r.right.stopped) {
        stopped = true;
        break;
      }
      runs.push({ variant: v.name, seed, metrics: r.right.history, evals, ...(devices.length ? { devices } : {}) });
    }
    if (stopped) break;
  }

  const summary = summarizeAblation(runs, {
    window,
    genLengths: evaluator?.genLengths ?? [],
    settings: {
      ...options.settings,
      estimatorVariants: variants.map((v) => v.name).join(', '),
      seeds: options.seeds.join(', '),
      steps: options.maxSteps,
      ...(options.budgets && Object.keys(options.budgets).length
        ? { reducedBudgets: Object.entries(options.budgets).map(([n, b]) => `${n}: ${[b.seeds !== undefined ? `${b.seeds} seed(s)` : '', b.steps !== undefined ? `${b.steps} steps` : ''].filter(Boolean).join(', ')}`).join('; ') }
        : {}),
      promptsPerStep: options.base.promptsPerStep,
      numGenerations: options.base.numGenerations,
      numIterations: options.base.numIterations,
      lossType: options.base.lossType,
      beta: options.base.beta,
      ...(initial ? { initialAccuracy: initial.accuracy } : {}),
      ...(stopped ? { stopped: 'interrupted before every run finished' } : {}),
    },
  });
  const charts = ablationCharts(summary);
  const svg: string[] = [];
  const png: string[] = [];
  let pngNote: string | undefined;
  for (const [stem, doc] of Object.entries(charts)) {
    const f = join(options.out, `${stem}.svg`);
    await writeTextAtomically(f, doc);
    svg.push(f);
    if (options.png ?? true) {
      const bytes = await svgToPng(doc);
      if (bytes) {
        await writeFileAtomic(join(options.out, `${stem}.png`), bytes);
        png.push(join(options.out, `${stem}.png`));
      } else pngNote = '@resvg/resvg-js is not available here: charts are SVG only';
    }
  }
  const summaryJson = join(options.out, ABLATION_SUMMARY_JSON);
  const summaryMd = join(options.out, ABLATION_SUMMARY_MD);
  await writeTextAtomically(summaryJson, `${JSON.stringify(jsonSafe(summary), null, 2)}\n`);
  await writeTextAtomically(summaryMd, ablationMarkdown(summary, Object.keys(charts).map((s) => `${s}.${png.length ? 'png' : 'svg'}`)));
  return E.right({ summary, files: { summaryJson, summaryMd, svg, png }, ...(pngNote ? { pngNote } : {}), stopped });
}
