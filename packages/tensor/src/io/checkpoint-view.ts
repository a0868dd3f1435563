/**
 * The Checkpoint view over open safetensors files (one file or many shards), with no file-system access, so
 * the browser entry can build one from bytes it fetched.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { SafetensorsError, safetensorsError } from './safetensors-error.js';
import { bytesSource, openSafetensorsFrom, type SafetensorsFile } from './safetensors-source.js';
import type { TensorInfo } from './safetensors-format.js';

/** Where a checkpoint tensor lives. */
export interface CheckpointTensorInfo extends TensorInfo {
  /** Path of the shard file that holds it. */
  readonly file: string;
}

/** An open checkpoint (one file or many shards). Tensor data is read on demand, one tensor at a time. */
export interface Checkpoint {
  /** The file or index the checkpoint was opened from. */
  readonly path: string;
  /** Tensor names: shard by shard, in data order within each shard. */
  readonly names: readonly string[];
  /** The index's `metadata` object (values as written, e.g. `total_size` is a number), or the single file's `__metadata__`. */
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  /** The open shard files. */
  readonly files: readonly SafetensorsFile[];
  info(name: string): CheckpointTensorInfo | undefined;
  /** Reads one tensor's bytes, and only those. Rejects with a SafetensorsError. */
  readRaw(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function makeCheckpoint(
  path: string,
  names: readonly string[],
  metadata: Readonly<Record<string, unknown>> | undefined,
  files: readonly SafetensorsFile[],
  tensors: ReadonlyMap<string, CheckpointTensorInfo>,
): Checkpoint {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const close = async () => {
    await Promise.all(files.map((f) => f.close()));
  };
  return {
    path,
    names,
    metadata,
    files,
    info: (name) => tensors.get(name),
    readRaw: async (name) => {
      const info = tensors.get(name);
      if (info === undefined) throw safetensorsError(path, 'no such tensor in this checkpoint', name);
      return byPath.get(info.file)!.readRaw(name);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A checkpoint of one open safetensors file (named `file.path` in errors). */
export function singleFileCheckpoint(file: SafetensorsFile): Checkpoint {
  const tensors = new Map<string, CheckpointTensorInfo>(file.names.map((n) => [n, { ...file.info(n)!, file: file.path }]));
  return makeCheckpoint(file.path, file.names, file.metadata, [file], tensors);
}

/**
 * A checkpoint of one safetensors file already in memory (e.g. fetched in a browser); `name` (a path or URL)
 * names it in errors. Left: a SafetensorsError for a bad header.
 */
export function checkpointFromBytes(bytes: Uint8Array, name: string): TE.TaskEither<SafetensorsError, Checkpoint> {
  return async () => {
    const f = await openSafetensorsFrom(bytesSource(bytes), name)();
    return E.isLeft(f) ? f : E.right(singleFileCheckpoint(f.right));
  };
}
