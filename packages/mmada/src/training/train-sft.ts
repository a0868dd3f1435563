/**
 * Supervised fine-tuning (or training from scratch) of a mask predictor with prompt preservation — the
 * LLaDA / MMaDA SFT recipe of spec/diffusion.md §1:
 *
 *   per row t ~ U(0,1), p = (1−ε)·t + ε (ε = 1e-3); each non-prompt token (EOS padding included) masked with p;
 *   L = (1/B)·Σ_b (1/A_b)·Σ_{masked} CE/p_b       (A_b = non-prompt tokens of row b, clamped ≥ 1)
 *
 * optimised by AdamW (β 0.9/0.999, ε 1e-8, weight decay 0.01 except upstream's no-decay names) after
 * clipping the global gradient norm to 1, with linear warmup then cosine decay to `minLrScale`·lr.
 *
 * Each step runs inside a memory scope: the batch, masks, activations and gradients are freed, only the new
 * parameters and optimizer state survive, so `memory()` is the same after every step. The randomness of step
 * s is `foldIn(key(seed), s)` and its batch is `batches(s)`, so resuming from a checkpoint reproduces an
 * uninterrupted run exactly.
 *
 * With `out`, a run directory holds the latest model in the upstream layout (config.json + model.safetensors,
 * loadable by `loadModel`), `checkpoint/` (parameters + optimizer state + step, @mmada/autograd's training
 * checkpoint), `loss.jsonl` (one line per step) and `loss.svg`. Every write is atomic.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { hasTrainingCheckpoint, optimizerStep, saveTrainingCheckpoint, UPSTREAM_NO_DECAY, valueAndGrad } from '@mmada/autograd';
import { maskIndependently, sftLoss } from '@mmada/diffusion';
import { dispose, foldIn, key, scope, sliceAxis, tensor, type PRNGKey, type Tensor } from '@mmada/tensor';
import { configToJson } from '../config/config-json.js';
import { clippedAdamW } from './clipped-adamw.js';
import { loadResumeCheckpoint } from './resume-checkpoint.js';
import { runTrainingLoop } from './run-training-loop.js';
import { TrainingError } from './training-error.js';
import type { ModelConfig } from '../config/model-config.js';
import { saveModel } from '../checkpoint/save-model.js';
import { maskPredictorForward } from '../model/forward.js';
import { modelDevice, type MaskPredictorModel } from '../model/mask-predictor-model.js';
import type { MaskPredictorParameters } from '../model/parameters.js';
import { readLossLog, writeLossLog, type LossLogEntry } from './loss-log.js';
import type { SftBatch, SftBatchSource } from './sft-batch.js';
import { writeLossCurve } from './write-loss-curve.js';

/** File names inside a run directory (`out`). */
export const TRAINING_CHECKPOINT_DIR = 'checkpoint';
export const LOSS_LOG_FILE = 'loss.jsonl';
export const LOSS_CURVE_FILE = 'loss.svg';
/** The same curve as PNG (where @resvg/resvg-js runs). */
export const LOSS_CURVE_PNG_FILE = 'loss.png';

export interface TrainSftOptions {
  /** Total optimizer steps of the run (the schedule's length; a resumed run continues to it). */
  readonly steps: number;
  /** Peak learning rate (default 3e-3, for small models from scratch; upstream MMaDA-8B uses 5e-5). */
  readonly learningRate?: number;
  /** Linear warmup steps (default: 10 % of `steps`, at most 5000 as upstream). */
  readonly warmupSteps?: number;
  /** Floor of the cosine as a fraction of the peak (default 0.1, upstream's min_lr_scale). */
  readonly minLrScale?: number;
  /** AdamW decoupled weight decay (default 0.01). */
  readonly weightDecay?: number;
  /**
   * Parameters whose name contains one of these get no weight decay (default UPSTREAM_NO_DECAY, which matches no
   * LLaDA name, so every tensor decays as upstream trains; LLADA_NO_DECAY spares the norms, embedding and biases).
   */
  readonly noDecay?: readonly string[];
  readonly b1?: number;
  readonly b2?: number;
  /** AdamW ε (default 1e-8). */
  readonly adamEps?: number;
  /** Clip the global gradient norm to this (default 1; 0 turns clipping off). */
  readonly clipNorm?: number;
  /** ε of the masking probability p = (1−ε)t + ε (default 1e-3). */
  readonly maskEps?: number;
  /** Loss normaliser: per-row answer length (default, LLaDA/MMaDA) or d1's batch-level 'nonPromptTokens'. */
  readonly normalizer?: 'answerLengthPerRow' | 'nonPromptTokens';
  /** Attend across pads even where a batch has a pad mask (the upstream code before its pad-mask fix). */
  readonly ignorePadMask?: boolean;
  /** Seed of the run's PRNG key (masks); default 0. */
  readonly seed?: number;
  /** Run directory for the model, checkpoint, loss log and curve. Without it nothing is written. */
  readonly out?: string;
  /** Checkpoint (and rewrite the curve) every this many steps, and always at the end (default: steps/10). */
  readonly checkpointEvery?: number;
  /** Continue from `out/checkpoint` when it exists (otherwise start fresh). Default false: start over. */
  readonly resume?: boolean;
  /** Called after every step, outside the step's memory scope. */
  readonly onStep?: (info: TrainStepInfo) => void | Promise<void>;
  /** Called after each checkpoint is written. */
  readonly onCheckpoint?: (info: { readonly step: number; readonly dir: string }) => void;
  /** Stops after the current step (a checkpoint is written first when `out` is set). */
  readonly signal?: AbortSignal;
  /** JSON stored in the checkpoint next to the run's options (e.g. a description of the data). */
  readonly extra?: Record<string, unknown>;
}

export interface TrainStepInfo {
  /** Steps completed (1-based). */
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  /** Learning rate of this step's update. */
  readonly lr: number;
  /** Tokens in this step's batch (B·L). */
  readonly tokens: number;
  /** Mean over the steps of this call. */
  readonly tokensPerSecond: number;
  readonly secondsPerStep: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number;
}

export interface TrainSftResult {
  /** The model with the trained parameters (the caller owns them: disposeModel when done). */
  readonly model: MaskPredictorModel;
  /** The step this call started from (0, or the checkpoint's step on resume). */
  readonly startStep: number;
  /** Steps completed in total. */
  readonly step: number;
  /** Losses of the steps this call ran (startStep+1 … step). */
  readonly losses: readonly number[];
  /** The whole run's log (from `out/loss.jsonl` on resume). */
  readonly history: readonly LossLogEntry[];
  readonly seconds: number;
  /** True when `signal` stopped the run before `steps`. */
  readonly stopped: boolean;
  /** Where things were written (with `out`). */
  readonly files?: { readonly model: string; readonly checkpoint: string; readonly log: string; readonly curve: string };
}

export { TrainingError };

type OptState = unknown[];

/** The options as stored in the checkpoint (what defines the run). */
function runOptions(o: TrainSftOptions) {
  return {
    steps: o.steps,
    learningRate: o.learningRate ?? 3e-3,
    warmupSteps: o.warmupSteps ?? Math.min(5000, Math.ceil(o.steps * 0.1)),
    minLrScale: o.minLrScale ?? 0.1,
    weightDecay: o.weightDecay ?? 0.01,
    noDecay: [...(o.noDecay ?? UPSTREAM_NO_DECAY)],
    b1: o.b1 ?? 0.9,
    b2: o.b2 ?? 0.999,
    adamEps: o.adamEps ?? 1e-8,
    clipNorm: o.clipNorm ?? 1,
    maskEps: o.maskEps ?? 1e-3,
    normalizer: o.normalizer ?? 'answerLengthPerRow',
    ignorePadMask: o.ignorePadMask ?? false,
    seed: o.seed ?? 0,
  };
}

type RunOptions = ReturnType<typeof runOptions>;

/** The optimizer of the recipe: clip → AdamW on the warmup-cosine schedule. */
function sftOptimizer(params: MaskPredictorParameters, o: RunOptions) {
  return clippedAdamW<OptState>(params, o);
}

/** The SFT loss of one batch at `params`, with the masks of `k` (differentiable in params). */
export function sftBatchLoss(
  params: MaskPredictorParameters,
  config: ModelConfig,
  batch: {
    readonly ids: Tensor; readonly noisy: Tensor; readonly masked: Tensor; readonly p: Tensor; readonly promptMask: Tensor; readonly padMask?: Tensor;
    /**
     * Positions before this one are prompt in every row (e.g. the shortest prompt's length): their logits are not
     * computed. Both normalisers count only non-prompt positions, so the loss is the same.
     */
    readonly logitsFrom?: number;
  },
  options: { readonly normalizer?: 'answerLengthPerRow' | 'nonPromptTokens'; readonly ignorePadMask?: boolean } = {},
): Tensor {
  const from = batch.logitsFrom ?? 0;
  const logits = maskPredictorForward(params, config, batch.noisy, { ...(batch.padMask ? { padMask: batch.padMask, ignorePadMask: options.ignorePadMask } : {}), logitsFrom: from });
  const cut = (t: Tensor) => (from > 0 ? sliceAxis(t, 1, from, t.shape[1]!) : t);
  return sftLoss({ logits, targets: cut(batch.ids), masked: cut(batch.masked), p: batch.p, promptMask: cut(batch.promptMask) }, { normalizer: options.normalizer }).loss;
}

function checkBatch(batch: SftBatch, config: ModelConfig, step: number): [number, number] {
  const b = batch.ids.length;
  const l = batch.ids[0]?.length ?? 0;
  if (b === 0 || l === 0) throw new TrainingError(`batch of step ${step} is empty`);
  if (batch.promptLengths.length !== b) throw new TrainingError(`batch of step ${step}: ${batch.promptLengths.length} prompt lengths for ${b} rows`);
  for (const row of batch.ids) {
    if (row.length !== l) throw new TrainingError(`batch of step ${step}: rows of different lengths (${l} and ${row.length})`);
    for (const id of row) if (!Number.isInteger(id) || id < 0 || id >= config.embeddingSize) throw new TrainingError(`batch of step ${step}: token id ${id} is outside the model's vocabulary (${config.embeddingSize})`);
  }
  return [b, l];
}

/** Host batch → device tensors (ids, prompt mask, optional pad mask). */
function uploadBatch(batch: SftBatch, b: number, l: number, device: ReturnType<typeof modelDevice>) {
  const ids = new Int32Array(b * l);
  const prompt = new Int32Array(b * l);
  batch.ids.forEach((row, r) => {
    ids.set(row, r * l);
    prompt.fill(1, r * l, r * l + Math.min(l, batch.promptLengths[r]!));
  });
  const padMask = batch.padMask ? tensor(Int32Array.from(batch.padMask.flat()), [b, l], 'i32', { device }) : undefined;
  return { ids: tensor(ids, [b, l], 'i32', { device }), promptMask: tensor(prompt, [b, l], 'i32', { device }), padMask };
}

/**
 * Trains `model` on `batches` (see the file comment). Takes ownership of `model.params`: they are replaced
 * (and freed) step by step, and the trained model comes back in the result. A Left (unreadable checkpoint to
 * resume, unwritable run directory) says what is wrong; the model's parameters are then freed if training had
 * begun, and left as they were otherwise.
 */
export function trainSft(model: MaskPredictorModel, batches: SftBatchSource, options: TrainSftOptions): TE.TaskEither<TrainingError, TrainSftResult> {
  return async () => {
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new RangeError(`trainSft: steps must be a positive integer, got ${options.steps}`);
    const o = runOptions(options);
    const { config } = model;
    const device = modelDevice(model);
    const out = options.out;
    const files = out
      ? { model: out, checkpoint: join(out, TRAINING_CHECKPOINT_DIR), log: join(out, LOSS_LOG_FILE), curve: join(out, LOSS_CURVE_FILE) }
      : undefined;
    const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.ceil(o.steps / 10));
    const baseKey: PRNGKey = key(o.seed);

    let params = model.params;
    let state: OptState;
    let startStep = 0;
    let history: LossLogEntry[] = [];
    let { optimizer, schedule } = sftOptimizer(params, o);

    // Resume, or start fresh.
    if (files) {
      try {
        await mkdir(out!, { recursive: true });
      } catch (e) {
        return E.left(new TrainingError(`cannot create the run directory ${out}: ${(e as Error).message}`));
      }
    }
    if (files && options.resume && (await hasTrainingCheckpoint(files.checkpoint))) {
      const loaded = await loadResumeCheckpoint(files.checkpoint, params, device, { target: 'the model', run: 'an SFT run\'s' });
      if (E.isLeft(loaded)) return loaded;
      const ck = loaded.right;
      dispose(params);
      params = ck.params;
      state = ck.optState;
      startStep = ck.step;
      ({ optimizer, schedule } = sftOptimizer(params, o));
      history = (await readLossLog(files.log)).filter((e) => e.step <= startStep);
    } else state = optimizer.init(params);
    if (files) {
      try {
        await writeLossLog(files.log, history);
      } catch (e) {
        dispose(startStep > 0 ? [params, state] : state);
        return E.left(new TrainingError(`cannot write ${files.log}: ${(e as Error).message}`));
      }
    }

    const lossAndGrad = valueAndGrad(
      (p: MaskPredictorParameters, batch: Parameters<typeof sftBatchLoss>[2]) => sftBatchLoss(p, config, batch, o),
    );
    const extra = { ...options.extra, config: configToJson(config), options: o };
    // Saves the given parameters and state (the loop's, which move on from `params`/`state` each step).
    const save = async (step: number, params: MaskPredictorParameters, state: OptState): Promise<E.Either<TrainingError, void>> => {
      if (!files) return E.right(undefined);
      const ck = await saveTrainingCheckpoint(files.checkpoint, { params, optState: state, step, key: baseKey, extra })();
      if (E.isLeft(ck)) return E.left(new TrainingError(`cannot write the checkpoint ${files.checkpoint}: ${ck.left.message}`, { cause: ck.left }));
      const saved = await saveModel({ config, params }, files.model)();
      if (E.isLeft(saved)) return E.left(new TrainingError(`cannot write the model to ${files.model}: ${saved.left.message}`, { cause: saved.left }));
      try {
        await writeLossCurve(files.curve, history, `SFT loss (${files.model})`);
      } catch (e) {
        return E.left(new TrainingError(`cannot write ${files.curve}: ${(e as Error).message}`));
      }
      options.onCheckpoint?.({ step, dir: files.checkpoint });
      return E.right(undefined);
    };

    const run = await runTrainingLoop({
      steps: o.steps, startStep, checkpointEvery, signal: options.signal, params, state, history, log: files?.log, schedule,
      step: async (s, p0, st0) => {
        const batch = await batches(s);
        const [b, l] = checkBatch(batch, config, s);
        const next = await scope(async () => {
          const { ids, promptMask, padMask } = uploadBatch(batch, b, l, device);
          const { noisy, masked, p } = maskIndependently(foldIn(baseKey, s), ids, { maskId: config.maskTokenId, eps: o.maskEps, promptMask });
          // no row masks a position before its prompt ends: the shortest prompt's positions need no logits
          const logitsFrom = Math.min(l - 1, ...batch.promptLengths);
          const { value, grads } = await lossAndGrad(p0, { ids, noisy, masked, p, promptMask, padMask, logitsFrom });
          const r = optimizerStep(optimizer, p0, grads, st0);
          const loss = await value.item();
          return { params: r.params, state: r.state, loss };
        });
        return { ...next, tokens: b * l, seen: b * l, extra: {} };
      },
      progress: (e) => options.onStep?.({
        step: e.step, steps: o.steps, loss: e.loss, lr: e.lr, tokens: e.result.tokens, tokensPerSecond: e.seenTotal / e.elapsedSeconds, secondsPerStep: e.secondsPerStep,
        elapsedSeconds: e.elapsedSeconds, etaSeconds: e.etaSeconds,
      }),
      save,
    });
    if (E.isLeft(run)) return run;
    const { step, losses, stopped } = run.right;
    params = run.right.params;
    return E.right({
      model: { config, params },
      startStep,
      step,
      losses,
      history,
      seconds: run.right.seconds,
      stopped,
      ...(files ? { files } : {}),
    });
  };
}
