/**
 * safetensors files on disk: positioned reads of one tensor at a time through a FileHandle, and atomic,
 * streaming writes (a temporary file renamed into place, so a crash never leaves a half-written file).
 */
import { open, type FileHandle } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { SafetensorsError, safetensorsError, toSafetensorsError } from './safetensors-error.js';
import { openSafetensorsFrom, type ByteSource, type SafetensorsFile } from './safetensors-source.js';
import { openRegularFile } from './regular-file.js';
import { commitTemporary, temporarySibling, writeTemporarySibling } from './write-file-atomic.js';
import {
  layoutSafetensors,
  byteLengthOf,
  type SafetensorsStreamEntry,
} from './safetensors-format.js';

export { bytesSource, openSafetensorsFrom, type ByteSource, type SafetensorsFile } from './safetensors-source.js';

/** Opens a regular file for positioned reads (a FIFO, a device or a directory is refused with a FileKindError). */
export async function fileSource(path: string): Promise<ByteSource> {
  const { handle: fh, size } = await openRegularFile(path, 'safetensors file');
  return {
    size,
    read: async (into, offset, length, position) => (await fh.read(into, offset, length, position)).bytesRead,
    close: () => fh.close(),
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
