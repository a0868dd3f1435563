/**
 * PNG bytes to 8-bit RGB through `fast-png` (pure JS: every bit depth, palette, tRNS, Adam7 interlacing),
 * after checks that bound the work to what the header declares: the pixel cap, then the inflated length of
 * the image data (a bomb is stopped, not read to the end), with only the critical chunks handed on.
 */
import * as E from 'fp-ts/lib/Either.js';
import { decode } from 'fast-png';
import { checkDeclaredSize, type DecodeOptions } from './decode-limits.js';
import { inflatedSize, scanPngChunks } from './png-chunks.js';
import { checkInflatedLength } from './png-inflate-bound.js';
import { pngToRgb } from './png-to-rgb.js';
import type { RgbImage } from './rgb-image.js';

/** Decodes a PNG to RGB (alpha over white); a damaged, oversized or unsupported file is a Left with the reason. */
export function decodePng(bytes: Uint8Array, options: DecodeOptions = {}): E.Either<string, RgbImage> {
  const scanned = scanPngChunks(bytes);
  if (E.isLeft(scanned)) return scanned;
  const { header, idat, essential, transparentKey } = scanned.right;
  const tooBig = checkDeclaredSize(header.width, header.height, options);
  if (tooBig !== undefined) return E.left(tooBig);
  const inflated = checkInflatedLength(idat, inflatedSize(header));
  if (E.isLeft(inflated)) return inflated;
  try {
    return E.right(pngToRgb(decode(essential), header.colorType, transparentKey));
  } catch (e) {
    const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : '';
    return E.left(`corrupt image data: ${(e as Error).message}${cause}`);
  }
}
