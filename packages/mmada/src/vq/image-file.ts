/**
 * Reading image files for the tokenizer: the format is recognised from the first bytes, not the file name.
 * PNG (8-bit grey / RGB / palette / grey+alpha / RGBA, alpha over white) is decoded by @mmada/tensor's codec;
 * anything else, or a damaged file, is a Left that names the file and says what to do.
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, type RgbImage } from '@mmada/tensor';

const FORMATS: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
];

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const startsWith = (bytes: Uint8Array, sig: readonly number[]) => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);

/** Decodes image bytes (PNG); other formats and damaged data are a Left with the reason. */
export function decodeImage(bytes: Uint8Array): E.Either<string, RgbImage> {
  if (startsWith(bytes, PNG_SIGNATURE)) return E.mapLeft((m: string) => `corrupt or unsupported PNG: ${m}`)(decodePng(bytes));
  const known = FORMATS.find(([, sig]) => startsWith(bytes, sig));
  if (known) return E.left(`${known[0]} images are not supported; convert the image to PNG (e.g. \`convert in.jpg out.png\`)`);
  return E.left('not a recognised image (only PNG is read)');
}

/** Reads and decodes an image file; every Left names the path. */
export async function readImage(path: string): Promise<E.Either<string, RgbImage>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    return E.left(`${path}: cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return E.mapLeft((m: string) => `${path}: ${m}`)(decodeImage(bytes));
}
