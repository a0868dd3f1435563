/**
 * Reading a run's training checkpoint back to resume it: the checkpoint's parameters must have the names and
 * shapes of the ones being trained, and its optimizer state must be the trainers' (a list of states).
 */
import * as E from 'fp-ts/lib/Either.js';
import { flattenToRecord, loadTrainingCheckpoint, type TrainingState } from '@mmada/autograd';
import { dispose, type DeviceName } from '@mmada/tensor';
import { TrainingError } from './training-error.js';

const shapesOf = (params: unknown) => Object.fromEntries(Object.entries(flattenToRecord(params)).map(([k, t]) => [k, t.shape.join('x')]));

/**
 * Loads the checkpoint under `dir` onto `device` and checks it against `params` (which it leaves alone). On a
 * mismatch what it loaded is freed and the error names the first tensor that differs, "in `target`", or says
 * the optimizer state is not `run`'s.
 */
export async function loadResumeCheckpoint<P>(
  dir: string,
  params: P,
  device: DeviceName,
  names: { readonly target: string; readonly run: string },
): Promise<E.Either<TrainingError, TrainingState<P, unknown[]>>> {
  const loaded = await loadTrainingCheckpoint<P, unknown[]>(dir, { device })();
  if (E.isLeft(loaded)) return E.left(new TrainingError(`cannot resume from ${dir}: ${loaded.left.message}`, { cause: loaded.left }));
  const ck = loaded.right;
  const want = shapesOf(params);
  const got = shapesOf(ck.params);
  const mismatch = Object.keys({ ...want, ...got }).find((k) => want[k] !== got[k]);
  if (mismatch !== undefined || !Array.isArray(ck.optState)) {
    dispose([ck.params, ck.optState]);
    const why = mismatch !== undefined ? `tensor ${mismatch} is ${got[mismatch] ?? 'missing'} there, ${want[mismatch] ?? 'absent'} in ${names.target}` : `its optimizer state is not ${names.run}`;
    return E.left(new TrainingError(`cannot resume from ${dir}: ${why}`));
  }
  return E.right(ck);
}
