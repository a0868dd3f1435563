/**
 * Image bytes of either format to RGB: the format is recognised from the first bytes, not a file name.
 * Other formats are named and refused with a way out.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DecodeOptions } from './decode-limits.js';
import { decodeJpeg, JPEG_SIGNATURE } from './jpeg-decode.js';
import { PNG_SIGNATURE } from './png-chunks.js';
import { decodePng } from './png-decode.js';
import type { RgbImage } from './rgb-image.js';

const OTHER_FORMATS: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
];

const startsWith = (bytes: Uint8Array, sig: readonly number[]) => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);

/** Decodes PNG or JPEG bytes; other formats and damaged data are a Left with the reason. */
export function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): E.Either<string, RgbImage> {
  if (startsWith(bytes, PNG_SIGNATURE)) return E.mapLeft((m: string) => `corrupt or unsupported PNG: ${m}`)(decodePng(bytes, options));
  if (startsWith(bytes, JPEG_SIGNATURE)) return E.mapLeft((m: string) => `corrupt or unsupported JPEG: ${m}`)(decodeJpeg(bytes, options));
  const known = OTHER_FORMATS.find(([, sig]) => startsWith(bytes, sig));
  if (known) return E.left(`${known[0]} images are not supported; convert the image to PNG (e.g. \`convert in.gif out.png\`)`);
  return E.left('not a recognised image (PNG and JPEG are read)');
}
