/**
 * A path that exists but is not a regular file (a FIFO, a device, a directory), or a regular file over a
 * size bound. Kept apart from the reader (regular-file.ts) so that browser code can recognise it without
 * importing node:fs.
 */
export class FileKindError extends Error {
  override readonly name = 'FileKindError';

  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}
