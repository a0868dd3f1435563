/**
 * Reading image files for the tokenizer: the format is recognised from the first bytes, not the file name.
 * PNG (8-bit grey / RGB / palette / grey+alpha / RGBA, alpha over white) is decoded by @mmada/tensor's codec,
 * baseline and progressive JPEG by the pure-JS `jpeg-js`; anything else, or a damaged file, is a Left that names
 * the file and says what to do.
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import jpeg from 'jpeg-js';
import { createImage, decodePng, type RgbImage } from '@mmada/tensor';

const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** Images over this many megapixels are refused before decoding (a 512-px model needs far less). */
const MAX_JPEG_MEGAPIXELS = 100;

const FORMATS: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
];

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const startsWith = (bytes: Uint8Array, sig: readonly number[]) => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);

function decodeJpeg(bytes: Uint8Array): E.Either<string, RgbImage> {
  try {
    const raw = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_JPEG_MEGAPIXELS });
    const img = createImage(raw.width, raw.height);
    for (let i = 0, j = 0; i < raw.width * raw.height; i++, j += 4) {
      img.data[i * 3] = raw.data[j]!;
      img.data[i * 3 + 1] = raw.data[j + 1]!;
      img.data[i * 3 + 2] = raw.data[j + 2]!;
    }
    return E.right(img);
  } catch (e) {
    return E.left(`corrupt or unsupported JPEG: ${(e as Error).message}`);
  }
}

/** Decodes image bytes (PNG or JPEG); other formats and damaged data are a Left with the reason. */
export function decodeImage(bytes: Uint8Array): E.Either<string, RgbImage> {
  if (startsWith(bytes, PNG_SIGNATURE)) return E.mapLeft((m: string) => `corrupt or unsupported PNG: ${m}`)(decodePng(bytes));
  if (startsWith(bytes, JPEG_SIGNATURE)) return decodeJpeg(bytes);
  const known = FORMATS.find(([, sig]) => startsWith(bytes, sig));
  if (known) return E.left(`${known[0]} images are not supported; convert the image to PNG (e.g. \`convert in.gif out.png\`)`);
  return E.left('not a recognised image (PNG and JPEG are read)');
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
