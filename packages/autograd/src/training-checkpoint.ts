import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { isKey, keyFromWords, loadSafetensors, saveSafetensors, type DeviceName, type PRNGKey, type Tensor } from '@mmada/tensor';
import { flatten, isTensor, unflatten, type TreeDef } from './pytree.js';

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

/** File names inside a checkpoint directory. */
export const TENSORS_FILE = 'state.safetensors';
export const METADATA_FILE = 'trainer_state.json';
const FORMAT = 'mmada-training-checkpoint/1';

type LeafRecord = { readonly tensor: string } | { readonly key: readonly [number, number] } | { readonly value: unknown };

interface TreeRecord {
  readonly treedef: TreeDef;
  readonly leaves: readonly LeafRecord[];
}

interface Metadata {
  readonly format: string;
  readonly step: number;
  readonly key: readonly [number, number];
  readonly params: TreeRecord;
  readonly optState: TreeRecord;
  readonly extra?: Record<string, unknown>;
}

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
      return { value: leaf ?? null };
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const suffix = () => `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Writes a training checkpoint directory `dir` holding `state.safetensors` (parameter tensors named
 * `params.<key path>`, optimizer tensors `opt.<key path>`, in their own dtypes) and `trainer_state.json`
 * (step, PRNG key, tree structures, non-tensor leaves such as the optimizer's step count, extras).
 * Both files are written into a sibling temporary directory which then replaces `dir` by rename, so an
 * interrupted save leaves the previous checkpoint intact, never a half-written one.
 */
export function saveTrainingCheckpoint(dir: string, state: TrainingState): TE.TaskEither<Error, void> {
  return async () => {
    const staging = join(dirname(dir), `.${basename(dir)}.tmp-${suffix()}`);
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
      await mkdir(staging, { recursive: true });
      const saved = await saveSafetensors(join(staging, TENSORS_FILE), tensors, { metadata: { format: FORMAT } })();
      if (E.isLeft(saved)) throw saved.left;
      await writeFile(join(staging, METADATA_FILE), JSON.stringify(metadata, null, 1));
      let old: string | undefined;
      if (await exists(dir)) {
        old = join(dirname(dir), `.${basename(dir)}.old-${suffix()}`);
        await rename(dir, old);
      }
      await rename(staging, dir);
      if (old) await rm(old, { recursive: true, force: true });
      return E.right(undefined);
    } catch (e) {
      await rm(staging, { recursive: true, force: true }).catch(() => {});
      return E.left(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

/**
 * Reads a checkpoint written by saveTrainingCheckpoint: trees come back with their original structure,
 * tensors on `device` (default: the default device). A Left says what is wrong; nothing stays allocated.
 */
export function loadTrainingCheckpoint<P = unknown, S = unknown>(
  dir: string,
  options: { device?: DeviceName } = {},
): TE.TaskEither<Error, TrainingState<P, S>> {
  return async () => {
    let tensors: Record<string, Tensor> = {};
    try {
      const metaPath = join(dir, METADATA_FILE);
      const metadata = JSON.parse(await readFile(metaPath, 'utf8')) as Metadata;
      if (metadata.format !== FORMAT) throw new Error(`${metaPath}: format '${metadata.format}' is not ${FORMAT}`);
      const loaded = await loadSafetensors(join(dir, TENSORS_FILE), { device: options.device })();
      if (E.isLeft(loaded)) throw loaded.left;
      tensors = loaded.right;
      const file = join(dir, TENSORS_FILE);
      return E.right({
        params: decodeTree(metadata.params, tensors, file) as P,
        optState: decodeTree(metadata.optState, tensors, file) as S,
        step: metadata.step,
        key: keyFromWords(metadata.key[0], metadata.key[1]),
        ...(metadata.extra ? { extra: metadata.extra } : {}),
      });
    } catch (e) {
      for (const t of Object.values(tensors)) t.dispose();
      return E.left(e instanceof Error ? e : new Error(`cannot load checkpoint ${dir}: ${String(e)}`));
    }
  };
}
