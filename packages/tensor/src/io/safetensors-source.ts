/**
 * safetensors read through any ByteSource: a file handle in Node, a fetched buffer or a Blob in a browser.
 * Nothing here touches the file system, so the browser entry can use it.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { SafetensorsError, safetensorsError, toSafetensorsError } from './safetensors-error.js';
import { parseHeaderJson, parseHeaderLength, type SafetensorsHeader, type TensorInfo } from './safetensors-format.js';

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
