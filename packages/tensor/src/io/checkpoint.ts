/**
 * Checkpoints: one safetensors file, or shards tied together by `model.safetensors.index.json`
 * (`{ "metadata": {...}, "weight_map": { tensorName: shardFile } }`), as Hugging Face writes them.
 */
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { SafetensorsError, safetensorsError, toSafetensorsError } from './safetensors-error.js';
import { byteLengthOf, layoutSafetensors, MAX_HEADER_BYTES, type SafetensorsStreamEntry } from './safetensors-format.js';
import { findDuplicateJsonKey } from './json-duplicate-key.js';
import { readRegularTextFile } from './regular-file.js';
import { openSafetensors, temporaryPath, writeSafetensorsTemporary, type SafetensorsFile } from './safetensors-file.js';
import { makeCheckpoint, type Checkpoint, type CheckpointTensorInfo } from './checkpoint-view.js';
import { syncDirectory, writeTemporarySibling } from './write-file-atomic.js';

export { checkpointFromBytes, singleFileCheckpoint, type Checkpoint, type CheckpointTensorInfo } from './checkpoint-view.js';

export const SINGLE_FILE_NAME = 'model.safetensors';
export const INDEX_FILE_NAME = 'model.safetensors.index.json';

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides what `path` is: a .safetensors file, an index file, or a directory holding
 * `model.safetensors.index.json` (preferred) or `model.safetensors` — or, failing those, exactly one
 * `*.safetensors.index.json` or exactly one `*.safetensors`.
 */
async function resolveCheckpoint(path: string): Promise<{ kind: 'single' | 'index'; file: string }> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw toSafetensorsError(path, e, 'cannot open checkpoint');
  }
  if (!st.isDirectory()) return { kind: path.endsWith('.json') ? 'index' : 'single', file: path };
  if (await exists(join(path, INDEX_FILE_NAME))) return { kind: 'index', file: join(path, INDEX_FILE_NAME) };
  if (await exists(join(path, SINGLE_FILE_NAME))) return { kind: 'single', file: join(path, SINGLE_FILE_NAME) };
  const names = await readdir(path);
  const indexes = names.filter((n) => n.endsWith('.safetensors.index.json'));
  if (indexes.length === 1) return { kind: 'index', file: join(path, indexes[0]!) };
  const singles = names.filter((n) => n.endsWith('.safetensors'));
  if (indexes.length === 0 && singles.length === 1) return { kind: 'single', file: join(path, singles[0]!) };
  throw safetensorsError(
    path,
    indexes.length + singles.length === 0
      ? `no ${INDEX_FILE_NAME} or ${SINGLE_FILE_NAME} in this directory`
      : `no ${INDEX_FILE_NAME} or ${SINGLE_FILE_NAME}, and several candidates (${[...indexes, ...singles].join(', ')}); open one of them`,
  );
}

interface ParsedIndex {
  metadata: Record<string, unknown> | undefined;
  weightMap: Map<string, string>;
}

/** Parses an index file's JSON text; shard names must stay inside the checkpoint's directory. */
export function parseCheckpointIndex(text: string, file: string): E.Either<SafetensorsError, ParsedIndex> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(safetensorsError(file, `index is not valid JSON (${(e as Error).message})`));
  }
  if (!isPlainObject(json)) return E.left(safetensorsError(file, 'index must be a JSON object'));
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) {
    return E.left(safetensorsError(file, `${JSON.stringify(duplicate.key)} appears twice in ${duplicate.path === '$' ? 'the index' : duplicate.path.slice(2)}; a reader would keep only one of them`));
  }
  const { metadata, weight_map: weightMap } = json;
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) return E.left(safetensorsError(file, 'index "metadata" must be an object'));
  if (!isPlainObject(weightMap)) return E.left(safetensorsError(file, 'index must have a "weight_map" object mapping tensor names to shard files'));
  const map = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '') return E.left(safetensorsError(file, `weight_map must name a shard file, got ${JSON.stringify(shard)}`, name));
    const norm = normalize(shard);
    if (isAbsolute(shard) || norm === '..' || norm.startsWith(`..${sep}`) || norm.startsWith('../')) {
      return E.left(safetensorsError(file, `shard ${JSON.stringify(shard)} lies outside the checkpoint's directory`, name));
    }
    map.set(name, shard);
  }
  return E.right({ metadata: isPlainObject(metadata) ? metadata : undefined, weightMap: map });
}

/**
 * Opens a checkpoint: a directory (using `model.safetensors.index.json` when present, else
 * `model.safetensors`), an index file, or a single .safetensors file. Every shard's header is parsed and
 * cross-checked against the index up front: a missing shard, a tensor the index lists but its shard lacks,
 * or a tensor present in two shards is an error. Tensors in a shard that the index does not list are ignored
 * (the index is authoritative, as in transformers).
 */
export function openCheckpoint(path: string): TE.TaskEither<SafetensorsError, Checkpoint> {
  return async () => {
    const opened: SafetensorsFile[] = [];
    try {
      const { kind, file } = await resolveCheckpoint(path);
      if (kind === 'single') {
        const f = await openSafetensors(file)();
        if (E.isLeft(f)) return f;
        opened.push(f.right);
        const tensors = new Map<string, CheckpointTensorInfo>(f.right.names.map((n) => [n, { ...f.right.info(n)!, file }]));
        return E.right(makeCheckpoint(file, f.right.names, f.right.metadata, opened, tensors));
      }

      const index = parseCheckpointIndex(await readRegularTextFile(file, { what: 'checkpoint index', maxBytes: MAX_HEADER_BYTES }), file);
      if (E.isLeft(index)) return index;
      const dir = dirname(file);
      const shardOf = new Map<string, SafetensorsFile>();
      // Open the shards in the order the index first mentions them.
      for (const [name, shard] of index.right.weightMap) {
        if (shardOf.has(shard)) continue;
        const shardPath = join(dir, shard);
        if (!(await exists(shardPath))) {
          throw safetensorsError(file, `the index puts it in shard ${JSON.stringify(shard)}, which does not exist (${shardPath})`, name);
        }
        const f = await openSafetensors(shardPath)();
        if (E.isLeft(f)) throw f.left;
        opened.push(f.right);
        shardOf.set(shard, f.right);
      }
      const seenIn = new Map<string, string>();
      for (const [shard, f] of shardOf) {
        for (const n of f.names) {
          const other = seenIn.get(n);
          if (other !== undefined) throw safetensorsError(file, `present in two shards, ${JSON.stringify(other)} and ${JSON.stringify(shard)}`, n);
          seenIn.set(n, shard);
        }
      }
      const tensors = new Map<string, CheckpointTensorInfo>();
      for (const [name, shard] of index.right.weightMap) {
        const f = shardOf.get(shard)!;
        const info = f.info(name);
        if (info === undefined) throw safetensorsError(file, `listed in the index under shard ${JSON.stringify(shard)}, but that shard has no such tensor`, name);
        tensors.set(name, { ...info, file: f.path });
      }
      // Shard by shard, data order within each.
      const names = [...shardOf.values()].flatMap((f) => f.names.filter((n) => tensors.has(n) && tensors.get(n)!.file === f.path));
      return E.right(makeCheckpoint(file, names, index.right.metadata, opened, tensors));
    } catch (e) {
      await Promise.all(opened.map((f) => f.close().catch(() => {})));
      return E.left(toSafetensorsError(path, e, 'cannot open checkpoint'));
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Writing

export interface WriteCheckpointOptions {
  /**
   * Start a new shard before a shard would exceed this many bytes of tensor data (a tensor larger than
   * this gets a shard of its own). Default: Infinity — one `model.safetensors`.
   */
  readonly maxShardBytes?: number;
  /** `__metadata__` of every shard file (strings only). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Extra keys for the index's "metadata" (next to `total_size`). */
  readonly indexMetadata?: Readonly<Record<string, unknown>>;
}

/** What writeCheckpoint wrote, relative to the directory. */
export interface WrittenCheckpoint {
  readonly files: readonly string[];
  /** The index file name, or undefined when the checkpoint fits one `model.safetensors`. */
  readonly index: string | undefined;
}

/** Splits entries (kept in the given order) into shards of at most `maxShardBytes` of data. */
export function planShards<T extends SafetensorsStreamEntry>(entries: readonly T[], maxShardBytes: number): T[][] {
  const shards: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const e of entries) {
    const n = byteLengthOf(e.dtype, e.shape);
    if (current.length > 0 && bytes + n > maxShardBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += n;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

const shardName = (i: number, n: number) => `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;

/**
 * Writes a checkpoint into `dir`: one `model.safetensors` if everything fits `maxShardBytes`, else shards
 * `model-0000i-of-0000n.safetensors` plus `model.safetensors.index.json` (Hugging Face's layout).
 *
 * Atomic: if `dir` does not exist, everything is written into a temporary sibling directory that is renamed
 * to `dir` at the end. If it exists (it may hold config.json and the like), every file is first written in
 * full to a temporary name; then the old index is removed, the shards are renamed into place, and the new
 * index is renamed last: at every moment a reader finds either the old checkpoint, the new one, or (only
 * between those renames, after a crash) no index — never an index pointing at a mix. Files of the old
 * checkpoint that the new one does not use are removed afterwards.
 */
export function writeCheckpoint(
  dir: string,
  entries: readonly SafetensorsStreamEntry[],
  options: WriteCheckpointOptions = {},
): TE.TaskEither<SafetensorsError, WrittenCheckpoint> {
  return async () => {
    const maxShardBytes = options.maxShardBytes ?? Infinity;
    if (!(maxShardBytes > 0)) return E.left(safetensorsError(dir, `maxShardBytes must be positive, got ${maxShardBytes}`));
    try {
      // Validate every entry together (names unique across shards, shapes, sizes) before touching the disk.
      layoutSafetensors(entries, options.metadata, dir);
    } catch (e) {
      return E.left(toSafetensorsError(dir, e, 'cannot write checkpoint'));
    }
    const shards = planShards(entries, maxShardBytes);
    const files = shards.length === 1 ? [SINGLE_FILE_NAME] : shards.map((_, i) => shardName(i, shards.length));
    const indexText =
      shards.length === 1
        ? undefined
        : `${JSON.stringify(
            {
              metadata: { ...options.indexMetadata, total_size: entries.reduce((s, e) => s + byteLengthOf(e.dtype, e.shape), 0) },
              weight_map: Object.fromEntries(shards.flatMap((s, i) => s.map((e) => [e.name, files[i]!])).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))),
            },
            null,
            2,
          )}\n`;

    const dirExists = await exists(dir);
    const workDir = dirExists ? dir : temporaryPath(dir.replace(/[\\/]+$/, ''));
    const temporaries: string[] = [];
    try {
      if (dirExists && !(await stat(dir)).isDirectory()) throw safetensorsError(dir, 'exists and is not a directory');
      if (!dirExists) await mkdir(workDir, { recursive: true });
      // 1. Every file in full, under temporary names (or straight into the temporary directory).
      const written: string[] = [];
      for (let i = 0; i < shards.length; i++) {
        const tmp = await writeSafetensorsTemporary(join(workDir, files[i]!), shards[i]!, options.metadata);
        temporaries.push(tmp);
        written.push(tmp);
      }
      let indexTmp: string | undefined;
      if (indexText !== undefined) {
        indexTmp = await writeTemporarySibling(join(workDir, INDEX_FILE_NAME), indexText);
        temporaries.push(indexTmp);
      }

      if (!dirExists) {
        for (let i = 0; i < files.length; i++) await rename(written[i]!, join(workDir, files[i]!));
        if (indexTmp !== undefined) await rename(indexTmp, join(workDir, INDEX_FILE_NAME));
        temporaries.length = 0;
        await syncDirectory(workDir);
        await rename(workDir, dir);
        await syncDirectory(dirname(resolve(dir)));
        return E.right({ files, index: indexText === undefined ? undefined : INDEX_FILE_NAME });
      }

      // 2. Commit into an existing directory.
      const oldFiles = await previousCheckpointFiles(dir);
      const indexPath = join(dir, INDEX_FILE_NAME);
      if (indexTmp !== undefined) {
        if (oldFiles.index) await unlink(indexPath);
        for (let i = 0; i < files.length; i++) await rename(written[i]!, join(dir, files[i]!));
        await rename(indexTmp, indexPath);
      } else {
        await rename(written[0]!, join(dir, SINGLE_FILE_NAME));
        if (oldFiles.index) await unlink(indexPath);
      }
      temporaries.length = 0;
      await syncDirectory(dir);
      // 3. Best effort: remove what the old checkpoint used and the new one does not.
      const keep = new Set(files);
      for (const f of oldFiles.shards) if (!keep.has(f)) await unlink(join(dir, f)).catch(() => {});
      if (indexText !== undefined && oldFiles.single) await unlink(join(dir, SINGLE_FILE_NAME)).catch(() => {});
      return E.right({ files, index: indexText === undefined ? undefined : INDEX_FILE_NAME });
    } catch (e) {
      await Promise.all(temporaries.map((t) => unlink(t).catch(() => {})));
      if (!dirExists) await rm(workDir, { recursive: true, force: true }).catch(() => {});
      return E.left(toSafetensorsError(dir, e, 'cannot write checkpoint'));
    }
  };
}


/** The files of a checkpoint already in `dir` (shards listed by its index, if it has one). */
async function previousCheckpointFiles(dir: string): Promise<{ index: boolean; single: boolean; shards: string[] }> {
  const index = await exists(join(dir, INDEX_FILE_NAME));
  const single = await exists(join(dir, SINGLE_FILE_NAME));
  let shards: string[] = [];
  if (index) {
    try {
      const parsed = parseCheckpointIndex(await readFile(join(dir, INDEX_FILE_NAME), 'utf8'), INDEX_FILE_NAME);
      if (E.isRight(parsed)) shards = [...new Set(parsed.right.weightMap.values())].filter((s) => basename(s) === s);
    } catch {
      // An unreadable old index: leave its shards alone.
    }
  }
  return { index, single, shards };
}
