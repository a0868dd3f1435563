/**
 * The step loop shared by `trainSft` and `trainImageTokenizer`: run steps from `startStep` to `steps` (stopping
 * early when `signal` aborts), append each step's loss entry to the history and the loss log, report progress,
 * and save every `checkpointEvery` steps, at the last step, on abort, and once more at the end if the last
 * save is behind. Parameters and optimizer state pass from step to step through `step`; on an error (a failed
 * save, or a throw) both are freed. On success the optimizer state is freed and the parameters returned.
 */
import * as E from 'fp-ts/lib/Either.js';
import { dispose } from '@mmada/tensor';
import { appendLossLog, type LossLogEntry } from './loss-log.js';

/** What one step of a loop produces. */
export interface LoopStepResult<P, S, X> {
  readonly params: P;
  readonly state: S;
  /** The step's loss, before its update. */
  readonly loss: number;
  /** Tokens in the step's batch, for its loss entry. */
  readonly tokens: number;
  /** What the progress rate counts (tokens, images) for this step. */
  readonly seen: number;
  /** Fields the loss entry carries beyond step, loss, lr, tokens and seconds. */
  readonly extra: X;
}

/** The loop's view of progress after a step, for the caller to turn into its own event. */
export interface LoopProgress<X> {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly result: LoopStepResult<unknown, unknown, X>;
  /** Sum of `seen` over the steps of this run (not counting steps before a resume). */
  readonly seenTotal: number;
  readonly elapsedSeconds: number;
  readonly secondsPerStep: number;
  readonly etaSeconds: number;
}

export interface TrainingLoopSpec<P, S, X extends object, Err> {
  readonly steps: number;
  readonly startStep: number;
  readonly checkpointEvery: number;
  readonly signal?: AbortSignal;
  readonly params: P;
  readonly state: S;
  /** The run's loss history so far; the loop appends to it (a save may read it). */
  readonly history: Array<LossLogEntry & X>;
  /** The loss log file to append each entry to, if any. */
  readonly log?: string;
  readonly schedule: (step: number) => number;
  readonly step: (step: number, params: P, state: S) => Promise<LoopStepResult<P, S, X>>;
  readonly progress?: (p: LoopProgress<X>) => void | Promise<void>;
  readonly save: (step: number, params: P, state: S) => Promise<E.Either<Err, void>>;
}

export interface TrainingLoopResult<P> {
  readonly params: P;
  readonly step: number;
  /** The losses of this run's steps. */
  readonly losses: number[];
  /** Seconds since the loop began. */
  readonly seconds: number;
  /** Whether `signal` stopped the loop before `steps`. */
  readonly stopped: boolean;
}

export async function runTrainingLoop<P, S, X extends object, Err>(
  spec: TrainingLoopSpec<P, S, X, Err>,
): Promise<E.Either<Err, TrainingLoopResult<P>>> {
  const { steps, checkpointEvery, signal, history } = spec;
  let params = spec.params;
  let state = spec.state;
  const losses: number[] = [];
  const t0 = performance.now();
  let seenTotal = 0;
  let step = spec.startStep;
  let stopped = false;
  let savedAt = spec.startStep;
  try {
    while (step < steps) {
      if (signal?.aborted) {
        stopped = true;
        break;
      }
      const s = step;
      const tStep = performance.now();
      const lr = spec.schedule(s);
      const next = await spec.step(s, params, state);
      params = next.params;
      state = next.state;
      step = s + 1;
      const seconds = (performance.now() - tStep) / 1000;
      const entry = { step, loss: next.loss, lr, tokens: next.tokens, seconds: Number(seconds.toFixed(4)), ...next.extra } as LossLogEntry & X;
      losses.push(next.loss);
      history.push(entry);
      seenTotal += next.seen;
      if (spec.log !== undefined) await appendLossLog(spec.log, entry);
      const elapsed = (performance.now() - t0) / 1000;
      const perStep = elapsed / losses.length;
      await spec.progress?.({
        step, loss: next.loss, lr, result: next, seenTotal, elapsedSeconds: elapsed, secondsPerStep: perStep, etaSeconds: perStep * (steps - step),
      });
      if (step % checkpointEvery === 0 || step === steps || signal?.aborted) {
        const r = await spec.save(step, params, state);
        if (E.isLeft(r)) {
          dispose([params, state]);
          return r;
        }
        savedAt = step;
      }
    }
    if (savedAt !== step) {
      const r = await spec.save(step, params, state);
      if (E.isLeft(r)) {
        dispose([params, state]);
        return r;
      }
    }
  } catch (e) {
    dispose([params, state]);
    throw e;
  }
  dispose(state);
  return E.right({ params, step, losses, seconds: (performance.now() - t0) / 1000, stopped });
}
