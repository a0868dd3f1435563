/**
 * Inflates a PNG's image data only as far as its header allows. A few hundred bytes of deflate can expand
 * to gigabytes (≈ 1000:1), so the data is fed to the inflater in small slices and the count of output bytes
 * is checked after each: decoding stops as soon as it passes the size the header implies, and nothing is
 * kept, so memory stays at one slice's output whatever the file says.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Unzlib } from 'fflate';

/** Input slice: at most ≈ 1032 × this many output bytes can appear before the next check. */
const SLICE_BYTES = 2 * 1024;

class Surplus extends Error {}

/** Right when the concatenated `idat` inflates to exactly `expected` bytes; otherwise a Left saying how it differs. */
export function checkInflatedLength(idat: readonly Uint8Array[], expected: number): E.Either<string, number> {
  let produced = 0;
  const inflater = new Unzlib((chunk) => {
    produced += chunk.length;
    if (produced > expected) throw new Surplus();
  });
  try {
    for (const part of idat) {
      for (let at = 0; at < part.length; at += SLICE_BYTES) inflater.push(part.subarray(at, Math.min(part.length, at + SLICE_BYTES)), false);
    }
    inflater.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof Surplus) return E.left(`image data inflates past the ${expected} bytes the header implies (a decompression bomb or a damaged file); refused`);
    return E.left(`corrupt image data: ${(e as Error).message}`);
  }
  if (produced < expected) return E.left(`image data shorter than the image (${produced} of ${expected} bytes)`);
  return E.right(produced);
}
