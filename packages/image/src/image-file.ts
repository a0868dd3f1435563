/**
 * Image files in Node: the only part of this package that touches the file system (the browser build
 * imports `@mmada/image`, which is bytes in, bytes out). A path that is not a regular file (a FIFO, a
 * device) is refused before anything is read; every Left names the path.
 */
import * as E from 'fp-ts/lib/Either.js';
import { readRegularFile, writeFileAtomic } from '@mmada/tensor';
import type { DecodeOptions } from './decode-limits.js';
import { decodeImage } from './image-decode.js';
import { decodePng } from './png-decode.js';
import { encodePng } from './png-encode.js';
import type { RgbImage } from './rgb-image.js';

async function readBytes(path: string): Promise<E.Either<string, Uint8Array>> {
  try {
    return E.right(await readRegularFile(path, { what: 'image' }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return E.left(code !== undefined ? `${path}: cannot read file: ${code}` : (err as Error).message);
  }
}

const decodeFile = (decode: (bytes: Uint8Array) => E.Either<string, RgbImage>) => async (path: string): Promise<E.Either<string, RgbImage>> => {
  const bytes = await readBytes(path);
  return E.isLeft(bytes) ? bytes : E.mapLeft((m: string) => `${path}: ${m}`)(decode(bytes.right));
};

/** Reads and decodes a PNG or JPEG file (the format from its first bytes). */
export const readImage = (path: string, options: DecodeOptions = {}): Promise<E.Either<string, RgbImage>> => decodeFile((b) => decodeImage(b, options))(path);

/** Reads and decodes a PNG file. */
export const readPng = (path: string, options: DecodeOptions = {}): Promise<E.Either<string, RgbImage>> => decodeFile((b) => decodePng(b, options))(path);

/** Writes an image as a PNG file atomically (temporary sibling, then rename): no half-written PNG is ever left. */
export async function writePng(path: string, img: RgbImage): Promise<void> {
  await writeFileAtomic(path, encodePng(img));
}
