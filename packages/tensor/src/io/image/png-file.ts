import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng } from './png-decode.js';
import { encodePng } from './png-encode.js';
import type { RgbImage } from './rgb-image.js';
import { writeFileAtomic } from '../write-file-atomic.js';

/** Writes an image as a PNG file: to a temporary sibling first, then renamed, so no half-written PNG is ever left. */
export async function writePng(path: string, img: RgbImage): Promise<void> {
  await writeFileAtomic(path, encodePng(img));
}

/** Reads a PNG file; a missing or undecodable file is a Left naming the path. */
export async function readPng(path: string): Promise<E.Either<string, RgbImage>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return E.left(`${path}: cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return E.mapLeft((m: string) => `${path}: ${m}`)(decodePng(bytes));
}
