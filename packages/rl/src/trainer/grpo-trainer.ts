/**
 * The GRPO-family trainer for masked diffusion LMs. One step:
 *
 *   1. prompts(step) → G completions per prompt from the current policy (semi-AR text / MaskGIT images,
 *      each task family with its sampler), scored by each prompt's reward (components, weighted total);
 *   2. advantages over the groups (scaleRewards, leave-one-out, group filter);
 *   3. μ = numIterations updates on that batch: at update n the estimator masks the batch with the key of
 *      (seed, step, n, sample) and scores it under π_θ (differentiated), π_old (the weights that generated
 *      the batch, cached for every n at generation time; n = 0 uses stop-gradient(π_θ), equal by construction)
 *      and π_ref (the frozen starting weights, only when β ≠ 0 and the KL is against π_ref); grpoLoss →
 *      valueAndGrad → clip → AdamW.
 *
 * Every random draw is keyed by (seed, step, …), so a run resumed from a checkpoint (parameters, optimizer
 * state, step; written at step boundaries, where no cached log-probs are pending) reproduces the metrics of an
 * uninterrupted run exactly, wall-clock times aside.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import {
  adamw, chain, clipByGlobalNorm, constantSchedule, decayUnlessNameContains, flattenToRecord, hasTrainingCheckpoint, linearWarmup, loadTrainingCheckpoint, mapTensors,
  optimizerStep, saveTrainingCheckpoint, stopGradient, tensorLeaves, valueAndGrad, warmupCosine, type GradientTransformation, type Schedule,
} from '@mmada/autograd';
import type { MaskPredictor } from '@mmada/diffusion';
import {
  add, cast, dispose, eq, expandDims, keep as keepTensor, key, logicalAnd, logSumExp, mul, scope, scopeSync, softmax, sqrt, square, stack, sub, sum, tensor, tile,
  type DeviceName, type Tensor,
} from '@mmada/tensor';
import type { LikelihoodEstimator } from '../estimators/likelihood-estimator.js';
import type { RolloutBatch } from '../estimators/rollout-batch.js';
import { rolloutKey } from '../estimators/rollout-key.js';
import { groupAdvantages } from '../objective/group-advantages.js';
import { grpoLoss, type GrpoLossMetrics, type LossType } from '../objective/grpo-loss.js';
import { weightedTotal } from '../rewards/combine-rewards.js';
import { appendJsonLine, readJsonLines, writeTextAtomically } from './files.js';
import { newForwardCounter, predictorAt, type ForwardCounter, type RlPolicy } from './policy.js';
import { estimatorFor, validateRlConfig, type RlConfig } from './rl-config.js';
import type { ComponentStat, MeanStd, RlStepMetrics, UpdateMetrics } from './rl-metrics.js';
import type { PromptSource } from './rl-prompt.js';
import { rollout, rolloutBatchOf, type FamilyRollout } from './rollout.js';

/** File names inside a run directory. */
export const RL_CHECKPOINT_DIR = 'checkpoint';
export const RL_METRICS_FILE = 'metrics.jsonl';
export const RL_CONFIG_FILE = 'rl-config.json';

export class RlTrainError extends Error {
  override readonly name = 'RlTrainError';
}

export interface RlTrainOptions<P> {
  readonly policy: RlPolicy<P>;
  readonly config: RlConfig;
  readonly prompts: PromptSource;
  /** Steps (generation batches) of the run; a resumed run continues to it. */
  readonly maxSteps: number;
  /** Run directory: checkpoint/, metrics.jsonl, rl-config.json. Without it nothing is written. */
  readonly out?: string;
  /** Checkpoint every this many steps and at the end (default: maxSteps / 10). */
  readonly checkpointEvery?: number;
  /** Continue from `out/checkpoint` when it exists. */
  readonly resume?: boolean;
  /** Parameters whose key path contains one of these get no weight decay (default: all decay). */
  readonly noDecay?: readonly string[];
  /** Log the policy's entropy at the masked inputs of each step's first update (default true; one softmax more). */
  readonly logEntropy?: boolean;
  /** After every step, with its metrics and the new parameters (valid until the next step). */
  readonly onStep?: (metrics: RlStepMetrics, params: P) => void | Promise<void>;
  /** After each checkpoint is written (e.g. to save the weights as a model directory too). */
  readonly onCheckpoint?: (info: { readonly step: number; readonly dir: string; readonly params: P }) => void | Promise<void>;
  /** A progress line per step; default: written to stderr. `false`: silent. */
  readonly progress?: ((line: string) => void) | false;
  /** Stops after the current step (checkpointing first when `out` is set). */
  readonly signal?: AbortSignal;
  /** JSON stored in the checkpoint (e.g. the tasks and the model it started from). */
  readonly extra?: Record<string, unknown>;
}

export interface RlTrainResult<P> {
  /** The trained parameters (the caller owns them). */
  readonly params: P;
  readonly startStep: number;
  readonly step: number;
  /** Metrics of every step of the run (from metrics.jsonl on resume). */
  readonly history: readonly RlStepMetrics[];
  readonly seconds: number;
  readonly stopped: boolean;
  readonly files?: { readonly checkpoint: string; readonly metrics: string; readonly config: string };
}

type OptState = unknown[];

/** The learning-rate schedule over the run's optimizer updates (maxSteps · numIterations). */
export function rlSchedule(c: RlConfig, maxSteps: number): Schedule {
  const total = maxSteps * c.numIterations;
  const warmup = Math.ceil(c.warmupRatio * total);
  switch (c.lrSchedulerType) {
    case 'constant':
      return constantSchedule(c.learningRate);
    case 'constant_with_warmup':
      return linearWarmup(c.learningRate, warmup);
    case 'cosine':
      return warmupCosine({ peak: c.learningRate, warmupSteps: warmup, totalSteps: total });
  }
}

function rlOptimizer<P>(c: RlConfig, maxSteps: number, params: P, noDecay: readonly string[] | undefined): { optimizer: GradientTransformation<OptState>; schedule: Schedule } {
  const schedule = rlSchedule(c, maxSteps);
  const adam = adamw(schedule, {
    b1: c.adamBeta1, b2: c.adamBeta2, eps: c.adamEpsilon, weightDecay: c.weightDecay,
    ...(noDecay && noDecay.length ? { mask: decayUnlessNameContains(noDecay) } : {}),
  });
  void params;
  const optimizer = (c.maxGradNorm > 0 ? chain(clipByGlobalNorm(c.maxGradNorm), adam) : chain(adam)) as GradientTransformation<OptState>;
  return { optimizer, schedule };
}

const meanStd = (xs: readonly number[]): MeanStd => {
  const v = xs.filter((x) => !Number.isNaN(x));
  const n = v.length;
  const mean = n ? v.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const std = n > 1 ? Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : Number.NaN;
  return { mean, std };
};

const componentStat = (xs: readonly (number | null)[]): ComponentStat => {
  const v = xs.filter((x): x is number => x !== null && !Number.isNaN(x));
  return { ...meanStd(v), count: v.length };
};

const avg = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** One family's device-side batch for the step's updates. */
interface FamilyBatch {
  readonly rollout: FamilyRollout;
  readonly batch: RolloutBatch;
  /** f32 [R]: advantages of the family's rows. */
  readonly advantages: Tensor;
  /** bool [R, 1] rows left in the loss (truncated rows out with maskTruncatedCompletions), or undefined: all. */
  readonly keep?: Tensor;
  /** Cached π_old token log-probs per inner iteration (index 0 unused: stop-gradient of π_θ). */
  readonly old: (Tensor | undefined)[];
  readonly tensors: Tensor[];
}

/** The loss mask: the estimator's, minus rows out of the loss (repeated over the estimator's copies). */
function lossMask(mask: Tensor, keep: Tensor | undefined, copies: number): Tensor {
  if (!keep) return cast(mask, 'bool');
  return scopeSync(() => logicalAnd(cast(mask, 'bool'), copies > 1 ? tile(keep, [copies, 1]) : keep));
}

/**
 * A predictor that also accumulates [Σ entropy, count] over masked input positions (no gradient). The sink's
 * tensors are read after the estimator returns, but the predictor runs inside whatever scope the estimator
 * opened (coupled and llada-mc score inside their own `scope`), which would free them on exit: they are
 * marked `keep`, and the caller disposes them.
 */
function entropyTracking(predictor: MaskPredictor, maskId: number, sink: Tensor[]): MaskPredictor {
  return async (ids, padMask) => {
    const logits = await predictor(ids, padMask);
    sink.push(
      keepTensor(scopeSync(() => {
        const z = stopGradient(logits);
        const h = sub(logSumExp(z, -1), sum(mul(softmax(z, -1), z), -1)); // [B, L]
        const m = cast(eq(ids, maskId), 'f32');
        return stack([sum(mul(h, m)), sum(m)]);
      })),
    );
    return logits;
  };
}

/** What one update reads back. */
type UpdateResult = UpdateMetrics;

/**
 * A GRPO trainer over one policy. `create` starts (or resumes) a run; `step` runs one generation batch and
 * its updates. `rlTrain` drives it to `maxSteps` with checkpoints.
 */
export class GrpoTrainer<P> {
  private params: P;
  private state: OptState;
  private stepsDone: number;
  private cumulative: { forward: number; tokens: number; seconds: number };
  private readonly estimator: LikelihoodEstimator;
  private readonly optimizer: GradientTransformation<OptState>;
  private readonly schedule: Schedule;
  private readonly device: DeviceName;

  private constructor(
    readonly options: RlTrainOptions<P>,
    init: { params: P; state: OptState; step: number; cumulative: { forward: number; tokens: number; seconds: number } },
  ) {
    this.params = init.params;
    this.state = init.state;
    this.stepsDone = init.step;
    this.cumulative = init.cumulative;
    this.estimator = estimatorFor(options.config);
    ({ optimizer: this.optimizer, schedule: this.schedule } = rlOptimizer(options.config, options.maxSteps, init.params, options.noDecay));
    const leaf = tensorLeaves(options.policy.params)[0];
    if (!leaf) throw new RlTrainError('the policy has no parameter tensors');
    this.device = leaf.device;
  }

  /** Steps completed so far. */
  get step(): number {
    return this.stepsDone;
  }

  /** The current parameters (owned by the trainer until `release`). */
  get currentParams(): P {
    return this.params;
  }

  /** The checkpoint's JSON extras: the config and the running totals a resume continues from. */
  private checkpointExtra(): Record<string, unknown> {
    return { ...this.options.extra, rlConfig: this.options.config, cumulative: this.cumulative };
  }

  /**
   * A trainer at step 0 on a copy-free alias of the policy's parameters, or — with `resume` and a checkpoint in
   * `out` — at the checkpoint's step with its parameters, optimizer state and running totals. A Left explains
   * a bad config or an unusable checkpoint.
   */
  static async create<P>(options: RlTrainOptions<P>): Promise<E.Either<RlTrainError, GrpoTrainer<P>>> {
    const valid = validateRlConfig(options.config);
    if (E.isLeft(valid)) return E.left(new RlTrainError(`invalid RL config: ${valid.left.message}`));
    if (!Number.isInteger(options.maxSteps) || options.maxSteps < 1) return E.left(new RlTrainError(`maxSteps must be a positive integer, got ${options.maxSteps}`));
    const ckDir = options.out ? join(options.out, RL_CHECKPOINT_DIR) : undefined;
    const hasCheckpoint = ckDir !== undefined && (await hasTrainingCheckpoint(ckDir));
    if (options.resume && hasCheckpoint) {
      const device = tensorLeaves(options.policy.params)[0]?.device;
      const loaded = await loadTrainingCheckpoint<P, OptState>(ckDir!, device ? { device } : {})();
      if (E.isLeft(loaded)) return E.left(new RlTrainError(`cannot resume from ${ckDir}: ${loaded.left.message}`, { cause: loaded.left }));
      const ck = loaded.right;
      const fail = (msg: string) => {
        dispose([ck.params, ck.optState]);
        return E.left(new RlTrainError(`cannot resume from ${ckDir}: ${msg}`));
      };
      const shapes = (t: unknown) => Object.fromEntries(Object.entries(flattenToRecord(t)).map(([k, v]) => [k, v.shape.join('x')]));
      const want = shapes(options.policy.params);
      const got = shapes(ck.params);
      const bad = Object.keys({ ...want, ...got }).find((k) => want[k] !== got[k]);
      if (bad !== undefined) return fail(`tensor ${bad} is ${got[bad] ?? 'missing'} there, ${want[bad] ?? 'absent'} in the policy`);
      if (!Array.isArray(ck.optState)) return fail('its optimizer state is not an RL run\'s');
      const stored = ck.extra?.rlConfig as RlConfig | undefined;
      if (stored) {
        const differ = configDifferences(stored, options.config);
        if (differ.length) return fail(`it was trained with a different config (${differ.join(', ')}); resuming would not reproduce the run`);
      }
      const cum = (ck.extra?.cumulative ?? {}) as { forward?: number; tokens?: number; seconds?: number };
      return E.right(new GrpoTrainer(options, {
        params: ck.params, state: ck.optState, step: ck.step,
        cumulative: { forward: cum.forward ?? 0, tokens: cum.tokens ?? 0, seconds: cum.seconds ?? 0 },
      }));
    }
    // Aliases share the policy's storage: the optimizer frees the aliases, never the caller's tensors.
    const params = mapTensors(options.policy.params, (t: Tensor) => cast(t, t.dtype)) as P;
    const { optimizer } = rlOptimizer(options.config, options.maxSteps, params, options.noDecay);
    return E.right(new GrpoTrainer(options, { params, state: optimizer.init(params), step: 0, cumulative: { forward: 0, tokens: 0, seconds: 0 } }));
  }

  /** Writes the checkpoint (parameters, optimizer state, step, key, config, running totals) to `dir`. */
  async save(dir: string): Promise<E.Either<RlTrainError, void>> {
    const r = await saveTrainingCheckpoint(dir, {
      params: this.params, optState: this.state, step: this.stepsDone, key: key(this.options.config.seed), extra: this.checkpointExtra(),
    })();
    return E.isLeft(r) ? E.left(new RlTrainError(`cannot write the checkpoint ${dir}: ${r.left.message}`, { cause: r.left })) : E.right(undefined);
  }

  /** Hands the parameters to the caller and frees the optimizer state; the trainer is unusable afterwards. */
  release(): P {
    dispose(this.state);
    this.state = [];
    return this.params;
  }

  /** Frees parameters and optimizer state. */
  dispose(): void {
    dispose([this.params, this.state]);
    this.state = [];
  }

  /** One generation batch and its numIterations updates; returns the step's metrics. */
  async trainStep(): Promise<RlStepMetrics> {
    const { policy, config: c } = this.options;
    const s = this.stepsDone;
    const tStart = performance.now();
    const batchKey = rolloutKey(c.seed, s);
    const prompts = await this.options.prompts(s, c.promptsPerStep);
    if (prompts.length === 0) throw new RlTrainError(`the prompt source gave no prompts for step ${s}`);
    const G = c.numGenerations;
    const counters = { rollout: newForwardCounter(), estimator: newForwardCounter() };

    // 1. Rollouts with the current weights.
    const families = await scope(() => rollout(predictorAt(policy, this.params, counters.rollout), policy as RlPolicy<unknown>, prompts, { config: c, key: batchKey, device: this.device }));
    const tRollout = performance.now();

    // 2. Rewards and advantages, rows laid out as prompt · G + g.
    const rows = prompts.length * G;
    const totals = new Array<number>(rows).fill(Number.NaN);
    const components: Record<string, (number | null)[]> = {};
    const byTask: Record<string, number[]> = {};
    for (const f of families) {
      f.rewards.forEach((rc, j) => {
        const r = f.sampleIds[j]!;
        totals[r] = weightedTotal(rc, c.rewardWeights);
        (byTask[f.task] ??= []).push(totals[r]!);
        for (const [name, v] of Object.entries(rc)) (components[name] ??= new Array<number | null>(rows).fill(null))[r] = v;
      });
    }
    const adv = groupAdvantages(totals, G, {
      scaleRewards: c.scaleRewards,
      leaveOneOut: c.leaveOneOut,
      ...(c.groupFilter ? { filter: c.groupFilter } : {}),
    });

    // 3. The updates.
    const updates: UpdateResult[] = [];
    const lr = this.schedule((this.state[this.state.length - 1] as { count?: number } | undefined)?.count ?? s * c.numIterations);
    const next = await scope(async () => {
      const fams: FamilyBatch[] = families.map((f) => {
        const { batch, tensors } = rolloutBatchOf(f, policy.maskId, false, this.device);
        const advantages = tensor(f.sampleIds.map((r) => adv.advantages[r]!), [f.sampleIds.length], 'f32', { device: this.device });
        const keep = c.maskTruncatedCompletions && f.truncated.some(Boolean)
          ? tensor(f.truncated.map((t) => [t ? 0 : 1]), undefined, 'bool', { device: this.device })
          : undefined;
        return { rollout: f, batch, advantages, keep, old: [], tensors };
      });
      // π_old for iterations 1 … μ−1, with the generating weights and each iteration's masks.
      for (let n = 1; n < c.numIterations; n++) {
        for (const fb of fams) {
          const est = await this.estimator.estimate(predictorAt(policy, this.params, counters.estimator), fb.batch, { iteration: n, key: batchKey });
          fb.old[n] = est.tokenLogp;
          dispose([est.mask, est.weights, est.sequenceLogp, est.noisy]);
        }
      }
      let params = this.params;
      let state = this.state;
      for (let n = 0; n < c.numIterations; n++) {
        const refs: (Tensor | undefined)[] = [];
        if (c.beta !== 0 && c.klAgainst === 'ref') {
          for (const fb of fams) {
            const est = await this.estimator.estimate(predictorAt(policy, policy.params, counters.estimator), fb.batch, { iteration: n, key: batchKey });
            refs.push(est.tokenLogp);
            dispose([est.mask, est.weights, est.sequenceLogp, est.noisy]);
          }
        }
        const trackEntropy = n === 0 && (this.options.logEntropy ?? true);
        const lossAndGrad = valueAndGrad(
          async (p: P) => {
            const sink: Tensor[] = [];
            let predictor = predictorAt(policy, p, counters.estimator);
            if (trackEntropy) predictor = entropyTracking(predictor, policy.maskId, sink);
            const parts: { logp: Tensor; mask: Tensor; copies: number; fb: FamilyBatch; ref?: Tensor; tokens: number }[] = [];
            for (const [i, fb] of fams.entries()) {
              const est = await this.estimator.estimate(predictor, fb.batch, { iteration: n, key: batchKey });
              const mask = lossMask(est.mask, fb.keep, est.copies);
              const tokens = await sum(cast(mask, 'f32')).item();
              parts.push({ logp: est.tokenLogp, mask, copies: est.copies, fb, ref: refs[i], tokens });
            }
            const allTokens = parts.reduce((a, x) => a + x.tokens, 0);
            const allRows = parts.reduce((a, x) => a + x.fb.rollout.ids.length, 0);
            let loss: Tensor | undefined;
            const metrics: { m: GrpoLossMetrics; w: number }[] = [];
            for (const part of parts) {
              const { lossType, weight } = familyLoss(c.lossType, parts.length, part.fb.rollout.ids.length / allRows);
              const r = grpoLoss(
                { logp: part.logp, mask: part.mask, advantages: part.fb.advantages, ...(part.fb.old[n] ? { oldLogp: part.fb.old[n] } : {}), ...(part.ref ? { refLogp: part.ref } : {}) },
                {
                  lossType, epsilon: c.epsilon, epsilonHigh: c.epsilonHigh ?? c.epsilon, beta: c.beta, klAgainst: c.klAgainst,
                  importanceSamplingLevel: c.importanceSamplingLevel, activeTokens: allTokens,
                  maxCompletionLength: part.fb.rollout.kind === 'text' ? c.maxCompletionLength : part.fb.rollout.completionLength[0],
                  ...(c.delta !== undefined ? { delta: c.delta } : {}),
                },
              );
              const weighted = weight === 1 ? r.loss : mul(r.loss, weight);
              loss = loss ? add(loss, weighted) : weighted;
              metrics.push({ m: r.metrics, w: allTokens > 0 ? part.tokens / allTokens : 1 / parts.length });
            }
            return [loss!, { metrics, entropy: sink }] as const;
          },
          { hasAux: true },
        );
        const { value, grads, aux } = await lossAndGrad(params);
        const gradNorm = await scopeSync(() => sqrt(tensorLeaves(grads).map((g) => sum(square(g))).reduce((a, b) => add(a, b)))).item();
        const stepped = optimizerStep(this.optimizer, params, grads, state);
        params = stepped.params;
        state = stepped.state;
        updates.push(await readUpdate(value, aux.metrics, aux.entropy, gradNorm));
        dispose([value, aux.metrics.map((x) => x.m), aux.entropy, refs]);
      }
      for (const fb of fams) dispose([fb.tensors, fb.advantages, fb.keep, fb.old]);
      return { params, state };
    });
    this.params = next.params;
    this.state = next.state;
    this.stepsDone = s + 1;

    const tEnd = performance.now();
    const forward = counters.rollout.sequences + counters.estimator.sequences;
    const forwardTokens = counters.rollout.tokens + counters.estimator.tokens;
    this.cumulative = {
      forward: this.cumulative.forward + forward,
      tokens: this.cumulative.tokens + forwardTokens,
      seconds: this.cumulative.seconds + (tEnd - tStart) / 1000,
    };
    const lengths = families.flatMap((f) => f.completionLength);
    const textRows = families.filter((f) => f.kind === 'text').flatMap((f) => f.truncated);
    const klValues = updates.map((u) => u.kl).filter((k): k is number => k !== null);
    return {
      step: this.stepsDone,
      lr,
      prompts: prompts.length,
      completions: rows,
      reward: meanStd(totals),
      rewards: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, componentStat(v)])),
      tasks: Object.fromEntries(Object.entries(byTask).map(([k, v]) => [k, componentStat(v)])),
      advantage: { ...meanStd(adv.advantages), absMean: avg(adv.advantages.map(Math.abs)) },
      zeroStdFraction: adv.zeroStdFraction,
      keptFraction: adv.kept.filter(Boolean).length / rows,
      completionLength: { mean: avg(lengths), min: Math.min(...lengths), max: Math.max(...lengths) },
      truncatedFraction: textRows.length ? textRows.filter(Boolean).length / textRows.length : 0,
      loss: avg(updates.map((u) => u.loss)),
      kl: klValues.length ? avg(klValues) : null,
      clipRatioLow: avg(updates.map((u) => u.clipRatioLow)),
      clipRatioHigh: avg(updates.map((u) => u.clipRatioHigh)),
      clipRatioRegion: avg(updates.map((u) => u.clipRatioRegion)),
      meanRatio: avg(updates.map((u) => u.meanRatio)),
      gradNorm: avg(updates.map((u) => u.gradNorm)),
      entropy: updates[0]?.entropy ?? null,
      forwardPasses: { rollout: counters.rollout.sequences, estimator: counters.estimator.sequences, total: forward, cumulative: this.cumulative.forward },
      tokens: { completion: lengths.reduce((a, b) => a + b, 0), forward: forwardTokens, cumulativeForward: this.cumulative.tokens },
      time: {
        rolloutSeconds: round4((tRollout - tStart) / 1000),
        updateSeconds: round4((tEnd - tRollout) / 1000),
        stepSeconds: round4((tEnd - tStart) / 1000),
        cumulativeSeconds: round4(this.cumulative.seconds),
      },
    };
  }
}

const round4 = (x: number) => Number(x.toFixed(4));

/**
 * How one family's loss enters a batch that mixes families (sub-batches of different row lengths): 'grpo' and
 * 'dr_grpo' average over rows, so each family's loss is weighted by its share of the rows; 'bnpo' and 'dapo'
 * divide the batch's token sum by its active tokens, which `activeTokens` over all families gives exactly.
 * With one family every loss type is used as it is.
 */
function familyLoss(lossType: LossType, families: number, rowShare: number): { lossType: LossType; weight: number } {
  if (families === 1) return { lossType, weight: 1 };
  if (lossType === 'bnpo' || lossType === 'dapo') return { lossType: 'dapo', weight: 1 };
  return { lossType, weight: rowShare };
}

async function readUpdate(value: Tensor, metrics: readonly { m: GrpoLossMetrics; w: number }[], entropy: readonly Tensor[], gradNorm: number): Promise<UpdateResult> {
  const w = async (pick: (m: GrpoLossMetrics) => Tensor | undefined): Promise<number | null> => {
    let total = 0;
    let any = false;
    for (const x of metrics) {
      const t = pick(x.m);
      if (!t) continue;
      total += x.w * (await t.item());
      any = true;
    }
    return any ? total : null;
  };
  let ent: number | null = null;
  if (entropy.length) {
    let h = 0;
    let n = 0;
    for (const e of entropy) {
      const [a, b] = Array.from(await e.data());
      h += a!;
      n += b!;
    }
    ent = n > 0 ? h / n : null;
  }
  return {
    loss: await value.item(),
    kl: await w((m) => m.kl),
    clipRatioLow: (await w((m) => m.clipRatioLow))!,
    clipRatioHigh: (await w((m) => m.clipRatioHigh))!,
    clipRatioRegion: (await w((m) => m.clipRatioRegion))!,
    meanRatio: (await w((m) => m.meanRatio))!,
    gradNorm,
    entropy: ent,
  };
}

/** Config fields whose values differ (JSON comparison), dotted for nested ones. */
export function configDifferences(a: RlConfig, b: RlConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    const x = (a as unknown as Record<string, unknown>)[k];
    const y = (b as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(k);
  }
  return out.sort();
}

const fmtSeconds = (s: number): string => (s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);

/** The progress line of a step. */
export function formatStepProgress(m: RlStepMetrics, maxSteps: number, secondsPerStep: number): string {
  const parts = [
    `rl step ${m.step}/${maxSteps}`,
    `reward ${m.reward.mean.toFixed(3)} ± ${Number.isNaN(m.reward.std) ? '–' : m.reward.std.toFixed(3)}`,
    ...(m.kl !== null ? [`kl ${m.kl.toExponential(2)}`] : []),
    `clip ${m.clipRatioRegion.toFixed(3)}`,
    `len ${m.completionLength.mean.toFixed(1)}`,
    `zero-std ${m.zeroStdFraction.toFixed(2)}`,
    `${secondsPerStep.toFixed(2)} s/step`,
    m.step < maxSteps ? `ETA ${fmtSeconds(secondsPerStep * (maxSteps - m.step))}` : `done`,
  ];
  return parts.join(' · ');
}

/**
 * Trains `options.policy` for `maxSteps` steps (see the file comment). The policy's own parameters are never
 * modified or freed; the result holds the trained ones. With `out`, writes rl-config.json, metrics.jsonl (one
 * line per step) and checkpoint/ every `checkpointEvery` steps and at the end; with `resume`, continues from
 * that checkpoint (the metrics file is cut back to it).
 */
export function rlTrain<P>(options: RlTrainOptions<P>): TE.TaskEither<RlTrainError, RlTrainResult<P>> {
  return async () => {
    const out = options.out;
    const files = out ? { checkpoint: join(out, RL_CHECKPOINT_DIR), metrics: join(out, RL_METRICS_FILE), config: join(out, RL_CONFIG_FILE) } : undefined;
    if (out) {
      try {
        await mkdir(out, { recursive: true });
      } catch (e) {
        return E.left(new RlTrainError(`cannot create the run directory ${out}: ${(e as Error).message}`));
      }
    }
    const created = await GrpoTrainer.create(options);
    if (E.isLeft(created)) return created;
    const trainer = created.right;
    const startStep = trainer.step;
    let history: RlStepMetrics[] = [];
    try {
      if (files) {
        history = options.resume ? (await readJsonLines<RlStepMetrics>(files.metrics)).filter((m) => m.step <= startStep) : [];
        await writeTextAtomically(files.metrics, history.map((m) => `${JSON.stringify(m)}\n`).join(''));
        await writeTextAtomically(files.config, `${JSON.stringify(options.config, null, 2)}\n`);
      }
    } catch (e) {
      trainer.dispose();
      return E.left(new RlTrainError(`cannot write to ${out}: ${(e as Error).message}`));
    }
    const progress = options.progress === false ? undefined : (options.progress ?? ((line: string) => void process.stderr.write(`${line}\n`)));
    const every = options.checkpointEvery ?? Math.max(1, Math.ceil(options.maxSteps / 10));
    const save = async (): Promise<E.Either<RlTrainError, void>> => {
      if (!files) return E.right(undefined);
      const r = await trainer.save(files.checkpoint);
      if (E.isLeft(r)) return r;
      await options.onCheckpoint?.({ step: trainer.step, dir: files.checkpoint, params: trainer.currentParams });
      return E.right(undefined);
    };
    const t0 = performance.now();
    let stopped = false;
    let savedAt = startStep;
    try {
      while (trainer.step < options.maxSteps) {
        if (options.signal?.aborted) {
          stopped = true;
          break;
        }
        const m = await trainer.trainStep();
        history.push(m);
        if (files) await appendJsonLine(files.metrics, m);
        const ran = trainer.step - startStep;
        progress?.(formatStepProgress(m, options.maxSteps, (performance.now() - t0) / 1000 / ran));
        await options.onStep?.(m, trainer.currentParams);
        if (trainer.step % every === 0 || trainer.step === options.maxSteps || options.signal?.aborted) {
          const r = await save();
          if (E.isLeft(r)) {
            trainer.dispose();
            return r;
          }
          savedAt = trainer.step;
        }
      }
      if (savedAt !== trainer.step) {
        const r = await save();
        if (E.isLeft(r)) {
          trainer.dispose();
          return r;
        }
      }
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    return E.right({
      params: trainer.release(),
      startStep,
      step: trainer.step,
      history,
      seconds: (performance.now() - t0) / 1000,
      stopped,
      ...(files ? { files } : {}),
    });
  };
}
