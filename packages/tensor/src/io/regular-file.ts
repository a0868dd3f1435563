/**
 * Reading a file the user named (weights, config, tokenizer, image, dataset) only if it is a regular file.
 *
 * Opening a FIFO for reading blocks until something writes to it, and reading a character device such as
 * /dev/zero never ends: either would hang a command forever. The file is opened with O_NONBLOCK (which
 * returns at once for a FIFO and changes nothing for a regular file) and checked with fstat on the same
 * handle, so there is no window between the check and the read.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { FileKindError } from './file-kind-error.js';

export { FileKindError };

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

// Windows has no O_NONBLOCK (and no FIFOs in the file system).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for reading if it is a regular file; rejects with a FileKindError naming what it is
 * otherwise (`what` says which input it is, e.g. "weights file"). Rejects with the fs error when it cannot
 * be opened. The caller closes the handle.
 */
export async function openRegularFile(path: string, what = 'file'): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(path, READ_FLAGS);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new FileKindError(path, `is ${kindOf(st)}; the ${what} must be a regular file`);
    return { handle, size: st.size };
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
}

/**
 * The bytes of `path` if it is a regular file of at most `maxBytes` bytes (default: no bound); rejects
 * with a FileKindError otherwise, before reading anything.
 */
export async function readRegularFile(path: string, options: { what?: string; maxBytes?: number } = {}): Promise<Uint8Array> {
  const what = options.what ?? 'file';
  const { handle, size } = await openRegularFile(path, what);
  try {
    if (options.maxBytes !== undefined && size > options.maxBytes) {
      throw new FileKindError(path, `is ${size} bytes, over the ${options.maxBytes}-byte limit for a ${what}`);
    }
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    await handle.close();
  }
}

/** Like readRegularFile, decoded as UTF-8 (invalid sequences become U+FFFD, as readFile(path, 'utf8') does). */
export async function readRegularTextFile(path: string, options: { what?: string; maxBytes?: number } = {}): Promise<string> {
  return new TextDecoder().decode(await readRegularFile(path, options));
}
