/**
 * Training an image tokenizer from scratch (or continuing one) on a stream of image batches — the loop around
 * `tokenizerLoss` (README "Training a tokenizer"): AdamW (β 0.9/0.999, ε 1e-8, decoupled weight decay except on
 * biases and GroupNorm affines) after clipping the global gradient norm, on linear warmup then cosine decay to
 * `minLrScale`·lr.
 *
 * The data is a function of the step, `batches(s)` → images [B, 3, H, W] in [−1, 1], and a step has no other
 * randomness, so a run that resumes from its checkpoint gives bit for bit the losses of an uninterrupted one.
 * Each step runs inside a memory scope: only the new parameters and optimizer state survive it.
 *
 * With `out`, the run directory holds the latest tokenizer in the released layout (`config.json` +
 * `pytorch_model.safetensors`, readable by `loadImageTokenizer(out)`), `checkpoint/` (@mmada/autograd's
 * training checkpoint: parameters, optimizer state, step), `loss.jsonl` (one line per step, with the loss
 * parts) and `loss.svg`. Every write is atomic.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { hasTrainingCheckpoint, optimizerStep, saveTrainingCheckpoint, valueAndGrad } from '@mmada/autograd';
import { dispose, key, scope, type DeviceName, type Tensor } from '@mmada/tensor';
import { TrainingError } from '../training/training-error.js';
import { clippedAdamW } from '../training/clipped-adamw.js';
import { loadResumeCheckpoint } from '../training/resume-checkpoint.js';
import { writeLossCurve } from '../training/write-loss-curve.js';
import { runTrainingLoop } from '../training/run-training-loop.js';
import { readLossLog, writeLossLog, type LossLogEntry } from '../training/loss-log.js';
import { checkVqConfig, type VqConfig } from './vq-config.js';
import { vqConfigToJson } from './vq-config-json.js';
import { imageTokenizerDevice, initImageTokenizer, tokenGrid, type ImageTokenizer } from './image-tokenizer.js';
import { tokenizerLoss, type TokenizerLossOptions, type TokenizerLossParts } from './tokenizer-loss.js';
import type { VqParameters } from './vq-parameters.js';
import { saveImageTokenizer } from './save-image-tokenizer.js';

/** File names inside a tokenizer run directory (`out`). */
export const IMAGE_TOKENIZER_CHECKPOINT_DIR = 'checkpoint';
export const IMAGE_TOKENIZER_LOSS_LOG_FILE = 'loss.jsonl';
export const IMAGE_TOKENIZER_LOSS_CURVE_FILE = 'loss.svg';
/** What the tokenizer's loss measures, for its chart. */
export const IMAGE_TOKENIZER_LOSS_UNIT = 'pixel reconstruction + weighted LFQ terms';

/** Parameter-name substrings trained without weight decay: biases and the GroupNorm affines. */
export const IMAGE_TOKENIZER_NO_DECAY: readonly string[] = ['bias', 'norm'];

/**
 * The images of step s: [B, 3, H, W] in [−1, 1]. It is called inside the step's memory scope, so a tensor it
 * creates is freed when the step ends.
 */
export type ImageBatchSource = (step: number) => Promise<Tensor> | Tensor;

export interface TrainImageTokenizerOptions {
  /** Total optimizer steps of the run (the schedule's length; a resumed run continues to it). */
  readonly steps: number;
  /** Peak learning rate (default 2e-3). */
  readonly learningRate?: number;
  /** Linear warmup steps (default 5% of `steps`). */
  readonly warmupSteps?: number;
  /** Floor of the cosine as a fraction of the peak (default 0.1). */
  readonly minLrScale?: number;
  /** AdamW decoupled weight decay (default 0.01) on every tensor whose name contains none of `noDecay`. */
  readonly weightDecay?: number;
  /** Default IMAGE_TOKENIZER_NO_DECAY. */
  readonly noDecay?: readonly string[];
  readonly b1?: number;
  readonly b2?: number;
  readonly adamEps?: number;
  /** Clip the global gradient norm to this (default 1; 0 turns clipping off). */
  readonly clipNorm?: number;
  /** The objective's weights (see TokenizerLossOptions; its defaults otherwise). */
  readonly loss?: TokenizerLossOptions;
  /** Seed of the initial parameters when training starts from a config (default 0). */
  readonly seed?: number;
  /** Device of fresh parameters and of a resumed checkpoint (default: the given tokenizer's, else the default device). */
  readonly device?: DeviceName;
  /** Run directory (see the file comment). Without it nothing is written. */
  readonly out?: string;
  /** Checkpoint (and rewrite the tokenizer and curve) every this many steps, and at the end (default steps/10). */
  readonly checkpointEvery?: number;
  /** Continue from `out/checkpoint` when it exists (otherwise start fresh). Default false. */
  readonly resume?: boolean;
  /** Called after every step, outside its memory scope. */
  readonly onProgress?: (info: ImageTokenizerStepInfo) => void | Promise<void>;
  /** Called after each checkpoint is written. */
  readonly onCheckpoint?: (info: { readonly step: number; readonly dir: string }) => void | Promise<void>;
  /** Stops after the current step (a checkpoint is written first when `out` is set). */
  readonly signal?: AbortSignal;
  /** JSON stored in the checkpoint beside the run's options (e.g. a description of the data). */
  readonly extra?: Record<string, unknown>;
}

/** One line of the loss log: the generic entry (tokens = B·h·w codes) plus the loss parts. */
export interface ImageTokenizerLossEntry extends LossLogEntry {
  readonly reconstruction: number;
  readonly commitment: number;
  readonly sampleEntropy: number;
  readonly codebookEntropy: number;
}

export interface ImageTokenizerStepInfo {
  /** Steps completed (1-based). */
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly parts: { readonly [K in keyof TokenizerLossParts]: number };
  /** Learning rate of this step's update. */
  readonly lr: number;
  readonly images: number;
  /** Means over the steps of this call. */
  readonly imagesPerSecond: number;
  readonly secondsPerStep: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number;
}

export interface TrainImageTokenizerResult {
  /** The trained tokenizer (the caller owns its parameters: disposeImageTokenizer when done). */
  readonly tokenizer: ImageTokenizer;
  /** The step this call started from (0, or the checkpoint's step on resume). */
  readonly startStep: number;
  /** Steps completed in total. */
  readonly step: number;
  /** Losses of the steps this call ran (startStep+1 … step). */
  readonly losses: readonly number[];
  /** The whole run's log (from `out/loss.jsonl` on resume). */
  readonly history: readonly ImageTokenizerLossEntry[];
  readonly seconds: number;
  /** True when `signal` stopped the run before `steps`. */
  readonly stopped: boolean;
  readonly files?: { readonly tokenizer: string; readonly checkpoint: string; readonly log: string; readonly curve: string };
}

type OptState = unknown[];

/** The options that define the run (stored in the checkpoint). */
function runOptions(o: TrainImageTokenizerOptions) {
  return {
    steps: o.steps,
    learningRate: o.learningRate ?? 2e-3,
    warmupSteps: o.warmupSteps ?? Math.ceil(o.steps * 0.05),
    minLrScale: o.minLrScale ?? 0.1,
    weightDecay: o.weightDecay ?? 0.01,
    noDecay: [...(o.noDecay ?? IMAGE_TOKENIZER_NO_DECAY)],
    b1: o.b1 ?? 0.9,
    b2: o.b2 ?? 0.999,
    adamEps: o.adamEps ?? 1e-8,
    clipNorm: o.clipNorm ?? 1,
    loss: { ...o.loss },
    seed: o.seed ?? 0,
  };
}

type RunOptions = ReturnType<typeof runOptions>;

function tokenizerOptimizer(params: VqParameters, o: RunOptions) {
  return clippedAdamW<OptState>(params, o);
}

function checkImages(images: Tensor, config: VqConfig, step: number): [number, number] {
  if (images.rank !== 4 || images.shape[1] !== 3 || images.shape[0] === 0 || images.dtype !== 'f32') {
    throw new TrainingError(`batch of step ${step} must be f32 images [B, 3, H, W], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  const [h, w] = tokenGrid(config, [images.shape[2]!, images.shape[3]!]);
  return [images.shape[0]!, h * w];
}

const isTokenizer = (x: ImageTokenizer | VqConfig): x is ImageTokenizer => 'params' in x && 'config' in x;

/**
 * Trains a tokenizer on `batches` (see the file comment). Given an ImageTokenizer, takes ownership of its
 * parameters (they are replaced step by step; the trained ones come back in the result); given a VqConfig,
 * starts from `initImageTokenizer(config, key(seed))`. A Left (unreadable or mismatched checkpoint to resume,
 * unwritable run directory) says what is wrong; parameters this call owns are then freed.
 */
export function trainImageTokenizer(
  start: ImageTokenizer | VqConfig,
  batches: ImageBatchSource,
  options: TrainImageTokenizerOptions,
): TE.TaskEither<TrainingError, TrainImageTokenizerResult> {
  return async () => {
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new RangeError(`trainImageTokenizer: steps must be a positive integer, got ${options.steps}`);
    const o = runOptions(options);
    const config = checkVqConfig(isTokenizer(start) ? start.config : start);
    const out = options.out;
    const files = out
      ? {
          tokenizer: out,
          checkpoint: join(out, IMAGE_TOKENIZER_CHECKPOINT_DIR),
          log: join(out, IMAGE_TOKENIZER_LOSS_LOG_FILE),
          curve: join(out, IMAGE_TOKENIZER_LOSS_CURVE_FILE),
        }
      : undefined;
    const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.ceil(o.steps / 10));

    if (files) {
      try {
        await mkdir(out!, { recursive: true });
      } catch (e) {
        if (isTokenizer(start)) dispose(start.params);
        return E.left(new TrainingError(`cannot create the run directory ${out}: ${(e as Error).message}`));
      }
    }

    let params: VqParameters = isTokenizer(start) ? start.params : initImageTokenizer(config, key(o.seed), { device: options.device }).params;
    const device = options.device ?? imageTokenizerDevice({ config, params });
    let state: OptState;
    let startStep = 0;
    let history: ImageTokenizerLossEntry[] = [];
    let { optimizer, schedule } = tokenizerOptimizer(params, o);

    if (files && options.resume && (await hasTrainingCheckpoint(files.checkpoint))) {
      const loaded = await loadResumeCheckpoint(files.checkpoint, params, device, { target: 'this tokenizer', run: 'a tokenizer run\'s' });
      if (E.isLeft(loaded)) {
        dispose(params);
        return loaded;
      }
      const ck = loaded.right;
      dispose(params);
      params = ck.params;
      state = ck.optState;
      startStep = ck.step;
      ({ optimizer, schedule } = tokenizerOptimizer(params, o));
      history = ((await readLossLog(files.log)) as ImageTokenizerLossEntry[]).filter((e) => e.step <= startStep);
    } else state = optimizer.init(params);

    if (files) {
      try {
        await writeLossLog(files.log, history);
      } catch (e) {
        dispose([params, state]);
        return E.left(new TrainingError(`cannot write ${files.log}: ${(e as Error).message}`));
      }
    }

    const lossAndGrad = valueAndGrad((p: VqParameters, images: Tensor) => tokenizerLoss(p, config, images, o.loss), { hasAux: true });
    const extra = { ...options.extra, config: vqConfigToJson(config), options: o };
    // Saves the given parameters and state (the loop's, which move on from `params`/`state` each step).
    const save = async (step: number, params: VqParameters, state: OptState): Promise<E.Either<TrainingError, void>> => {
      if (!files) return E.right(undefined);
      const ck = await saveTrainingCheckpoint(files.checkpoint, { params, optState: state, step, key: key(o.seed), extra })();
      if (E.isLeft(ck)) return E.left(new TrainingError(`cannot write the checkpoint ${files.checkpoint}: ${ck.left.message}`, { cause: ck.left }));
      const saved = await saveImageTokenizer(files.tokenizer, { config, params })();
      if (E.isLeft(saved)) return E.left(new TrainingError(`cannot write the tokenizer to ${files.tokenizer}: ${saved.left.message}`, { cause: saved.left }));
      try {
        await writeLossCurve(files.curve, history, `image tokenizer loss (${files.tokenizer})`, IMAGE_TOKENIZER_LOSS_UNIT);
      } catch (e) {
        return E.left(new TrainingError(`cannot write ${files.curve}: ${(e as Error).message}`));
      }
      await options.onCheckpoint?.({ step, dir: files.checkpoint });
      return E.right(undefined);
    };

    const run = await runTrainingLoop({
      steps: o.steps, startStep, checkpointEvery, signal: options.signal, params, state, history, log: files?.log, schedule,
      step: (s, p0, st0) => scope(async () => {
        const images = await batches(s);
        const [b, codes] = checkImages(images, config, s);
        const { value, grads, aux } = await lossAndGrad(p0, images);
        const r = optimizerStep(optimizer, p0, grads, st0);
        const loss = await value.item();
        const parts = {} as Record<keyof TokenizerLossParts, number>;
        for (const [k, t] of Object.entries(aux) as Array<[keyof TokenizerLossParts, Tensor]>) parts[k] = await t.item();
        return { params: r.params, state: r.state, loss, tokens: b * codes, seen: b, extra: parts };
      }),
      progress: (e) => options.onProgress?.({
        step: e.step, steps: o.steps, loss: e.loss, parts: e.result.extra, lr: e.lr, images: e.result.seen, imagesPerSecond: e.seenTotal / e.elapsedSeconds,
        secondsPerStep: e.secondsPerStep, elapsedSeconds: e.elapsedSeconds, etaSeconds: e.etaSeconds,
      }),
      save,
    });
    if (E.isLeft(run)) return run;
    const { step, losses, stopped } = run.right;
    params = run.right.params;
    return E.right({
      tokenizer: { config, params },
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
