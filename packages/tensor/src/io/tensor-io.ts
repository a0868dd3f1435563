/**
 * Tensors to and from safetensors files and checkpoints. Reading goes one tensor at a time (read its bytes,
 * upload, drop the bytes), so a checkpoint larger than comfortable memory loads; writing reads one tensor
 * back from the device at a time while the file streams to disk.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import type { TypedArray } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { openCheckpoint, writeCheckpoint, type Checkpoint, type WriteCheckpointOptions, type WrittenCheckpoint } from './checkpoint.js';
import { defaultSafetensorsDType, encodeTensorValues } from './dtype-convert.js';
import { SafetensorsError, toSafetensorsError } from './safetensors-error.js';
import type { SafetensorsDType, SafetensorsStreamEntry } from './safetensors-format.js';
import { writeSafetensorsFile } from './safetensors-file.js';
import { tensorFromBytes, type LoadOptions } from './tensor-from-bytes.js';

export { tensorFromBytes, type LoadOptions } from './tensor-from-bytes.js';

async function readTensor(ckpt: Checkpoint, name: string, options: LoadOptions): Promise<Tensor> {
  const info = ckpt.info(name)!;
  const bytes = await ckpt.readRaw(name);
  const t = tensorFromBytes(info, bytes, info.file, options);
  if (E.isLeft(t)) throw t.left;
  return t.right;
}

/**
 * Yields the tensors of a checkpoint (a path as `openCheckpoint` takes, or an open Checkpoint) one at a time;
 * only one tensor's bytes are in host memory at once. Each tensor belongs to the caller (dispose it, or load
 * inside `scope`). Throws a SafetensorsError for a bad file. A path is closed when the iteration ends; an open
 * Checkpoint is left open.
 */
export async function* streamTensors(checkpoint: Checkpoint | string, options: LoadOptions = {}): AsyncGenerator<[string, Tensor], void, undefined> {
  let ckpt: Checkpoint;
  if (typeof checkpoint === 'string') {
    const opened = await openCheckpoint(checkpoint)();
    if (E.isLeft(opened)) throw opened.left;
    ckpt = opened.right;
  } else ckpt = checkpoint;
  try {
    for (const name of ckpt.names) {
      if (options.filter && !options.filter(name, ckpt.info(name)!)) continue;
      yield [name, await readTensor(ckpt, name, options)];
    }
  } finally {
    if (typeof checkpoint === 'string') await ckpt.close();
  }
}

/**
 * Loads every tensor of a safetensors file or checkpoint (a .safetensors file, an index file, or a directory;
 * see `openCheckpoint`). On a Left nothing stays allocated.
 */
export function loadSafetensors(path: string, options: LoadOptions = {}): TE.TaskEither<SafetensorsError, Record<string, Tensor>> {
  return async () => {
    const opened = await openCheckpoint(path)();
    if (E.isLeft(opened)) return opened;
    const ckpt = opened.right;
    const loaded: [string, Tensor][] = [];
    try {
      for await (const entry of streamTensors(ckpt, options)) loaded.push(entry);
      // Object.fromEntries defines own properties, so a tensor named "__proto__" is safe.
      return E.right(Object.fromEntries(loaded) as Record<string, Tensor>);
    } catch (e) {
      for (const [, t] of loaded) t.dispose();
      return E.left(toSafetensorsError(path, e, 'cannot load'));
    } finally {
      await ckpt.close().catch(() => {});
    }
  };
}

/** loadSafetensors that throws the SafetensorsError instead of returning it. */
export async function loadSafetensorsOrThrow(path: string, options: LoadOptions = {}): Promise<Record<string, Tensor>> {
  const r = await loadSafetensors(path, options)();
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

export interface SaveOptions {
  /** `__metadata__` (strings only). */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * The safetensors dtype to write a tensor as, by name or by function (undefined: the lossless default,
   * f32 → F32, f16 → F16, i32 → I32, u32 → U32, bool → BOOL). E.g. `{ dtypes: () => 'BF16' }` for f32 weights.
   */
  readonly dtypes?: Readonly<Record<string, SafetensorsDType>> | ((name: string, tensor: Tensor) => SafetensorsDType | undefined);
}

/** Stream entries for tensors: each tensor's values are read from its device only when the writer reaches it. */
export function tensorEntries(tensors: Readonly<Record<string, Tensor>>, file: string, dtypes?: SaveOptions['dtypes']): SafetensorsStreamEntry[] {
  return Object.entries(tensors).map(([name, t]) => {
    const asked = typeof dtypes === 'function' ? dtypes(name, t) : dtypes && Object.prototype.hasOwnProperty.call(dtypes, name) ? dtypes[name] : undefined;
    const dtype = asked ?? defaultSafetensorsDType(t.dtype);
    return {
      name,
      dtype,
      shape: t.shape,
      data: async () => encodeTensorValues((await t.data()) as TypedArray, t.dtype, dtype, name, file),
    };
  });
}

/**
 * Writes tensors to one safetensors file, atomically (temporary file, then rename). Values are read from the
 * device one tensor at a time while the file is written, so the tensors must stay alive until the task ends.
 */
export function saveSafetensors(path: string, tensors: Readonly<Record<string, Tensor>>, options: SaveOptions = {}): TE.TaskEither<SafetensorsError, void> {
  return async () => {
    let entries: SafetensorsStreamEntry[];
    try {
      entries = tensorEntries(tensors, path, options.dtypes);
    } catch (e) {
      return E.left(toSafetensorsError(path, e, 'cannot write'));
    }
    return writeSafetensorsFile(path, entries, options.metadata)();
  };
}

export interface SaveCheckpointOptions extends Omit<WriteCheckpointOptions, 'metadata'>, SaveOptions {}

/** Writes tensors as a checkpoint directory (sharded past `maxShardBytes`), atomically; see `writeCheckpoint`. */
export function saveCheckpoint(dir: string, tensors: Readonly<Record<string, Tensor>>, options: SaveCheckpointOptions = {}): TE.TaskEither<SafetensorsError, WrittenCheckpoint> {
  return async () => {
    let entries: SafetensorsStreamEntry[];
    try {
      entries = tensorEntries(tensors, dir, options.dtypes);
    } catch (e) {
      return E.left(toSafetensorsError(dir, e, 'cannot write checkpoint'));
    }
    return writeCheckpoint(dir, entries, options)();
  };
}
