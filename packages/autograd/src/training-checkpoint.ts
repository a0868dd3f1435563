import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { isKey, keyFromWords, loadSafetensors, readRegularTextFile, saveSafetensors, syncDirectory, writeFileAtomic, type DeviceName, type PRNGKey, type Tensor } from '@mmada/tensor';
import { DEFAULT_KEEP, findCheckpoint, METADATA_FILE, POINTER_FILE, publishCheckpoint, removeStaleTemporaries, stagingName, TENSORS_FILE } from './checkpoint-layout.js';
import { flatten, isTensor, unflatten } from './pytree.js';
import { checkFiniteTensors, parseTrainerState, TRAINER_STATE_FORMAT, type LeafRecord, type TrainerStateFile, type TreeRecord } from './trainer-state.js';

export { METADATA_FILE, TENSORS_FILE } from './checkpoint-layout.js';

/** What a training run needs to resume exactly. */
export interface TrainingState<P = unknown, S = unknown> {
  readonly params: P;
  readonly optState: S;
  /** Optimizer steps taken so far. */
  readonly step: number;
  /** The run's PRNG key (e.g. fold in the step for each batch's randomness). */
  readonly key: PRNGKey;
  /** Small JSON-serialisable extras (config, data cursor, metrics). */
  readonly extra?: Record<string, unknown>;
}

const FORMAT = TRAINER_STATE_FORMAT;

type Metadata = TrainerStateFile;

/** A trainer_state.json larger than this is not one this library wrote (trees of names, not of numbers). */
const MAX_TRAINER_STATE_BYTES = 256 * 1024 * 1024;

function encodeTree(tree: unknown, prefix: string, tensors: Record<string, Tensor>): TreeRecord {
  const { leaves, paths, treedef } = flatten(tree);
  return {
    treedef,
    leaves: leaves.map((leaf, i): LeafRecord => {
      if (isTensor(leaf)) {
        const name = paths[i] === '' ? prefix : `${prefix}.${paths[i]}`;
        tensors[name] = leaf;
        return { tensor: name };
      }
      if (isKey(leaf)) return { key: [leaf.words[0], leaf.words[1]] };
      if (leaf !== null && typeof leaf === 'object') throw new Error(`checkpoint: leaf at '${paths[i]}' is neither a tensor nor JSON`);
      return { value: (leaf ?? null) as string | number | boolean | null };
    }),
  };
}

function decodeTree(record: TreeRecord, tensors: Record<string, Tensor>, file: string): unknown {
  const leaves = record.leaves.map((l) => {
    if ('tensor' in l) {
      const t = tensors[l.tensor];
      if (!t) throw new Error(`${file}: tensor '${l.tensor}' named in ${METADATA_FILE} is missing`);
      return t;
    }
    if ('key' in l) return keyFromWords(l.key[0], l.key[1]);
    return l.value;
  });
  return unflatten(record.treedef, leaves);
}

/** Options of saveTrainingCheckpoint. */
export interface SaveCheckpointOptions {
  /** Checkpoints kept under the root (default 2: the newest and the one before). */
  readonly keep?: number;
  /** Receives one-line notices (temporaries of an interrupted save removed). */
  readonly onNotice?: (message: string) => void;
}

/**
 * Saves a training checkpoint under the checkpoint root `dir` (layout: checkpoint-layout.ts): a new
 * `step-N/` directory holding `state.safetensors` (parameter tensors named `params.<key path>`, optimizer
 * tensors `opt.<key path>`, in their own dtypes) and `trainer_state.json` (step, PRNG key, tree structures,
 * non-tensor leaves such as the optimizer's step count, extras), then `latest.json` pointing at it. A crash at
 * any instant leaves the previous checkpoint or the new one readable; staging left by a crashed save is
 * removed by the next save.
 */
export function saveTrainingCheckpoint(dir: string, state: TrainingState, options: SaveCheckpointOptions = {}): TE.TaskEither<Error, void> {
  return async () => {
    const keep = options.keep ?? DEFAULT_KEEP;
    if (!Number.isInteger(keep) || keep < 1) return E.left(new Error(`checkpoint keep must be a positive integer, got ${keep}`));
    if (!Number.isSafeInteger(state.step) || state.step < 0) return E.left(new Error(`checkpoint step must be a non-negative integer, got ${state.step}`));
    const staging = join(dir, stagingName(state.step));
    try {
      const tensors: Record<string, Tensor> = {};
      const metadata: Metadata = {
        format: FORMAT,
        step: state.step,
        key: [state.key.words[0], state.key.words[1]],
        params: encodeTree(state.params, 'params', tensors),
        optState: encodeTree(state.optState, 'opt', tensors),
        ...(state.extra ? { extra: state.extra } : {}),
      };
      await mkdir(dir, { recursive: true });
      await removeStaleTemporaries(dir, options.onNotice);
      await mkdir(staging);
      const saved = await saveSafetensors(join(staging, TENSORS_FILE), tensors, { metadata: { format: FORMAT } })();
      if (E.isLeft(saved)) throw saved.left;
      await writeFileAtomic(join(staging, METADATA_FILE), JSON.stringify(metadata, null, 1));
      await syncDirectory(staging);
      await publishCheckpoint(dir, staging, state.step, keep);
      return E.right(undefined);
    } catch (e) {
      await rm(staging, { recursive: true, force: true }).catch(() => {});
      return E.left(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

/** The step and extras of the checkpoint a resume from root `dir` would read, or undefined when there is none. */
export function readTrainingCheckpointInfo(
  dir: string,
  options: { onNotice?: (message: string) => void } = {},
): TE.TaskEither<Error, { readonly dir: string; readonly step: number; readonly extra?: Record<string, unknown> } | undefined> {
  return async () => {
    try {
      const found = await findCheckpoint(dir, options.onNotice);
      if (found === undefined) return E.right(undefined);
      const metadata = await readMetadata(found.dir);
      return E.right({ dir: found.dir, step: metadata.step, ...(metadata.extra ? { extra: metadata.extra } : {}) });
    } catch (e) {
      return E.left(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

/**
 * Whether root `dir` holds a checkpoint a resume would use. A broken state (a pointer to nothing) counts as
 * one, so that loading it reports what is wrong instead of a fresh start hiding it.
 */
export async function hasTrainingCheckpoint(dir: string): Promise<boolean> {
  try {
    return (await findCheckpoint(dir)) !== undefined;
  } catch {
    return true;
  }
}

/** Reads trainer_state.json and checks it against its schema (trainer-state.ts); throws a TrainerStateError. */
async function readMetadata(dir: string): Promise<Metadata> {
  const metaPath = join(dir, METADATA_FILE);
  const parsed = parseTrainerState(await readRegularTextFile(metaPath, { what: METADATA_FILE, maxBytes: MAX_TRAINER_STATE_BYTES }), metaPath);
  if (E.isLeft(parsed)) throw parsed.left;
  return parsed.right;
}

/**
 * Reads the checkpoint a resume from root `dir` should use (the pointer's, or an older layout's; see
 * checkpoint-layout.ts): trees come back with their original structure, tensors on `device` (default: the
 * default device). A root with no checkpoint, or a broken one, is a Left saying what is wrong and what is
 * there; nothing stays allocated.
 */
export function loadTrainingCheckpoint<P = unknown, S = unknown>(
  root: string,
  options: { device?: DeviceName; onNotice?: (message: string) => void } = {},
): TE.TaskEither<Error, TrainingState<P, S>> {
  return async () => {
    let tensors: Record<string, Tensor> = {};
    try {
      const found = await findCheckpoint(root, options.onNotice);
      await removeStaleTemporaries(root, options.onNotice);
      if (found === undefined) throw new Error(`${root}: no training checkpoint there (no ${POINTER_FILE}, no step-N directory, no ${METADATA_FILE})`);
      const dir = found.dir;
      const metadata = await readMetadata(dir);
      const loaded = await loadSafetensors(join(dir, TENSORS_FILE), { device: options.device })();
      if (E.isLeft(loaded)) throw loaded.left;
      tensors = loaded.right;
      const file = join(dir, TENSORS_FILE);
      const finite = await checkFiniteTensors(tensors, file);
      if (E.isLeft(finite)) throw finite.left;
      return E.right({
        params: decodeTree(metadata.params, tensors, file) as P,
        optState: decodeTree(metadata.optState, tensors, file) as S,
        step: metadata.step,
        key: keyFromWords(metadata.key[0], metadata.key[1]),
        ...(metadata.extra ? { extra: metadata.extra } : {}),
      });
    } catch (e) {
      for (const t of Object.values(tensors)) t.dispose();
      return E.left(e instanceof Error ? e : new Error(`cannot load checkpoint ${root}: ${String(e)}`));
    }
  };
}
