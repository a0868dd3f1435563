/**
 * The one way this project replaces a file: write a temporary sibling, flush it to disk, rename it over the
 * target, then flush the directory so the rename itself survives a power cut. A reader (or a process that
 * starts after a crash) sees the old content or the new one, never a mix; on failure the temporary is removed.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Content to write: text (UTF-8), bytes, or a function that writes through the open handle (for streaming). */
export type AtomicContent = string | Uint8Array | ((fh: FileHandle) => Promise<void>);

/** A sibling temporary name: `<path>.tmp-<random hex>` (same directory, so the rename cannot cross devices). */
export function temporarySibling(path: string): string {
  return `${path}.tmp-${randomBytes(6).toString('hex')}`;
}

/**
 * Flushes a directory's entries (renames, creations, removals) to disk. Platforms that cannot open a
 * directory for syncing (Windows: EISDIR / EPERM) have no such step, so those errors are ignored.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw e;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Writes `content` to a new temporary sibling of `path` and flushes it, without renaming it into place.
 * Resolves to the temporary's path; on failure the temporary is removed and the error rethrown.
 */
export async function writeTemporarySibling(path: string, content: AtomicContent): Promise<string> {
  const tmp = temporarySibling(path);
  const fh = await open(tmp, 'wx');
  try {
    if (typeof content === 'function') await content(fh);
    else await fh.writeFile(content);
    await fh.sync();
    await fh.close();
    return tmp;
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Renames a flushed temporary over `path` and flushes the directory. If the rename fails the temporary is
 * removed and the error rethrown (the old `path`, if any, is untouched).
 */
export async function commitTemporary(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDirectory(dirname(path));
}

/** Replaces `path` with `content` atomically and durably (see the module comment). */
export async function writeFileAtomic(path: string, content: AtomicContent): Promise<void> {
  await commitTemporary(await writeTemporarySibling(path, content), path);
}
