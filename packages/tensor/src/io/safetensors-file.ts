/**
 * safetensors files on disk: positioned reads of one tensor at a time through a FileHandle, and atomic,
 * streaming writes (a temporary file renamed into place, so a crash never leaves a half-written file).
 */
import { open, type FileHandle } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { SafetensorsError, safetensorsError, toSafetensorsError } from './safetensors-error.js';
import { openRegularFile } from './regular-file.js';
import { commitTemporary, temporarySibling, writeTemporarySibling } from './write-file-atomic.js';
import {
  layoutSafetensors,
  parseHeaderJson,
  parseHeaderLength,
  byteLengthOf,
  type SafetensorsHeader,
  type SafetensorsStreamEntry,
  type TensorInfo,
} from './safetensors-format.js';

/**
 * Random access to bytes: a file handle in Node, and anything else (a Blob in a browser, a buffer in a
 * test) that can fill a buffer from a position.
 */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `into[offset…]`; returns how many were read (0 at the end). */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Opens a regular file for positioned reads (a FIFO, a device or a directory is refused with a FileKindError). */
export async function fileSource(path: string): Promise<ByteSource> {
  const { handle: fh, size } = await openRegularFile(path, 'safetensors file');
  return {
    size,
    read: async (into, offset, length, position) => (await fh.read(into, offset, length, position)).bytesRead,
    close: () => fh.close(),
  };
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: async (into, offset, length, position) => {
      const n = Math.max(0, Math.min(length, bytes.byteLength - position));
      into.set(bytes.subarray(position, position + n), offset);
      return n;
    },
    close: async () => {},
  };
}

/** Fills `into` from `position`, failing if the source ends first. */
async function readExactly(source: ByteSource, into: Uint8Array, position: number, file: string, tensor?: string): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const n = await source.read(into, done, into.byteLength - done, position + done);
    if (n <= 0) {
      throw safetensorsError(file, `file ended after ${position + done} bytes while reading ${into.byteLength} bytes at offset ${position} (was it truncated after opening?)`, tensor);
    }
    done += n;
  }
}

/** An open safetensors file: the header is parsed, tensor data is read on demand. */
export interface SafetensorsFile {
  readonly path: string;
  readonly header: SafetensorsHeader;
  /** Tensor names in data order. */
  readonly names: readonly string[];
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** A tensor's dtype, shape and byte range, or undefined if the file has no such tensor. */
  info(name: string): TensorInfo | undefined;
  /** Reads one tensor's bytes, and only those (a fresh, 8-byte-aligned buffer). Rejects with a SafetensorsError. */
  readRaw(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Parses the header of a safetensors file read through `source` (`path` names it in errors). On a
 * Left the source is closed; on a Right the caller owns the returned file and must close it.
 */
export function openSafetensorsFrom(source: ByteSource, path: string): TE.TaskEither<SafetensorsError, SafetensorsFile> {
  return async () => {
    try {
      const prefix = new Uint8Array(8);
      if (source.size >= 8) await readExactly(source, prefix, 0, path);
      const n = parseHeaderLength(prefix, source.size, path);
      if (E.isLeft(n)) throw n.left;
      // Safe to allocate: n ≤ 100 MB and n ≤ size − 8.
      const headerBytes = new Uint8Array(n.right);
      await readExactly(source, headerBytes, 8, path);
      const header = parseHeaderJson(headerBytes, source.size - 8 - n.right, path);
      if (E.isLeft(header)) throw header.left;
      return E.right(makeFile(source, path, header.right));
    } catch (e) {
      await source.close().catch(() => {});
      return E.left(toSafetensorsError(path, e, 'cannot read'));
    }
  };
}

/** Opens a safetensors file and parses its header; tensor data is read later, one tensor at a time. */
export function openSafetensors(path: string): TE.TaskEither<SafetensorsError, SafetensorsFile> {
  return async () => {
    let source: ByteSource;
    try {
      source = await fileSource(path);
    } catch (e) {
      return E.left(toSafetensorsError(path, e, 'cannot open'));
    }
    return openSafetensorsFrom(source, path)();
  };
}

function makeFile(source: ByteSource, path: string, header: SafetensorsHeader): SafetensorsFile {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await source.close();
  };
  return {
    path,
    header,
    names: header.names,
    metadata: header.metadata,
    info: (name) => header.tensors.get(name),
    readRaw: async (name) => {
      const info = header.tensors.get(name);
      if (info === undefined) throw safetensorsError(path, 'no such tensor in this file', name);
      if (closed) throw safetensorsError(path, 'file is closed', name);
      // Safe to allocate: the range was checked to lie inside the file.
      const bytes = new Uint8Array(info.byteLength);
      try {
        await readExactly(source, bytes, header.dataStart + info.dataOffsets[0], path, name);
      } catch (e) {
        throw toSafetensorsError(path, e, 'cannot read', name);
      }
      return bytes;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** A sibling temporary name: `path.tmp-<random hex>`. */
export const temporaryPath = temporarySibling;

/**
 * Writes a safetensors file to `path + '.tmp-<random>'` (flushed to disk), without renaming it into place.
 * Tensor data that is given as a function is produced one tensor at a time while writing, so only one
 * tensor's bytes need be in memory. On failure the temporary file is removed. Resolves to the temporary path.
 */
export async function writeSafetensorsTemporary(
  path: string,
  entries: readonly SafetensorsStreamEntry[],
  metadata?: Readonly<Record<string, string>>,
): Promise<string> {
  const layout = layoutSafetensors(entries, metadata, path);
  return writeTemporarySibling(path, async (fh) => {
    await writeAll(fh, layout.headerBytes, 0);
    const base = layout.headerBytes.byteLength;
    for (const { entry, begin } of layout.order) {
      const data = typeof entry.data === 'function' ? await entry.data() : entry.data;
      const expected = byteLengthOf(entry.dtype, entry.shape);
      if (data.byteLength !== expected) {
        throw safetensorsError(path, `${data.byteLength} bytes given but shape [${entry.shape.join(', ')}] × ${entry.dtype} needs ${expected}`, entry.name);
      }
      await writeAll(fh, data, base + begin);
    }
  });
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Writes a safetensors file atomically: to a temporary sibling first, then renamed over `path`. Either the
 * whole new file is at `path` afterwards, or whatever was there before is untouched.
 */
export function writeSafetensorsFile(
  path: string,
  entries: readonly SafetensorsStreamEntry[],
  metadata?: Readonly<Record<string, string>>,
): TE.TaskEither<SafetensorsError, void> {
  return async () => {
    try {
      await commitTemporary(await writeSafetensorsTemporary(path, entries, metadata), path);
      return E.right(undefined);
    } catch (e) {
      return E.left(toSafetensorsError(path, e, 'cannot write'));
    }
  };
}
