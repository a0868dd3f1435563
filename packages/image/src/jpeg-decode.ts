/**
 * JPEG bytes to 8-bit RGB through `jpeg-js` (baseline and progressive, Huffman-coded), after reading the
 * frame header ourselves: the declared size must pass the pixel cap, and the file must be long enough to
 * hold it. Each 8×8 block of every component costs at least one bit of entropy-coded data (its DC
 * coefficient), so a 23-byte file that declares 8000×8000 is refused at once instead of having jpeg-js
 * allocate a gigabyte for it.
 */
import * as E from 'fp-ts/lib/Either.js';
import jpeg from 'jpeg-js';
import { checkDeclaredSize, maxPixelsOf, type DecodeOptions } from './decode-limits.js';
import type { RgbImage } from './rgb-image.js';

export const JPEG_SIGNATURE: readonly number[] = [0xff, 0xd8, 0xff];

export interface JpegFrame {
  readonly width: number;
  readonly height: number;
  /** Start-of-frame marker (0xc0 baseline, 0xc1 extended, 0xc2 progressive, …). */
  readonly marker: number;
  readonly components: ReadonlyArray<{ readonly h: number; readonly v: number }>;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const HUFFMAN_SOF = new Set([0xc0, 0xc1, 0xc2]);

/** The frame header (SOFn) of a JPEG, found by walking the marker segments that precede it. */
export function readJpegFrame(bytes: Uint8Array): E.Either<string, JpegFrame> {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return E.left('not a JPEG file (no SOI marker)');
  let off = 2;
  while (off + 2 <= bytes.length) {
    if (bytes[off] !== 0xff) return E.left(`expected a marker at byte ${off}, found 0x${bytes[off]!.toString(16)}`);
    const marker = bytes[off + 1]!;
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return E.left(`no frame header (SOF) before the ${marker === 0xda ? 'scan data' : 'end of image'}`);
    const len = off + 4 <= bytes.length ? (bytes[off + 2]! << 8) | bytes[off + 3]! : 0;
    if (len < 2 || off + 2 + len > bytes.length) return E.left(`truncated marker segment 0x${marker.toString(16)} at byte ${off}`);
    if (SOF_MARKERS.has(marker)) {
      const seg = bytes.subarray(off + 4, off + 2 + len);
      if (seg.length < 6) return E.left('frame header shorter than 6 bytes');
      const height = (seg[1]! << 8) | seg[2]!, width = (seg[3]! << 8) | seg[4]!, n = seg[5]!;
      if (n === 0 || seg.length < 6 + 3 * n) return E.left(`frame header declares ${n} components in ${seg.length} bytes`);
      const components = Array.from({ length: n }, (_, i) => ({ h: seg[7 + 3 * i]! >> 4, v: seg[7 + 3 * i]! & 15 }));
      if (components.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) return E.left('frame header declares a sampling factor outside 1…4');
      return E.right({ width, height, marker, components });
    }
    off += 2 + len;
  }
  return E.left('no frame header (SOF) found; file truncated?');
}

/** Fewest bytes of Huffman-coded scan data that can hold every block of the frame (one bit per block). */
export function minimumScanBytes(frame: JpegFrame): number {
  const hMax = Math.max(...frame.components.map((c) => c.h)), vMax = Math.max(...frame.components.map((c) => c.v));
  const blocks = frame.components.map((c) => Math.ceil(Math.ceil((frame.width * c.h) / hMax) / 8) * Math.ceil(Math.ceil((frame.height * c.v) / vMax) / 8));
  return Math.ceil(blocks.reduce((a, b) => a + b, 0) / 8);
}

/** Decodes a JPEG to RGB; a damaged, oversized or unsupported file is a Left with the reason (jpeg-js's own message where it is the one that fails). */
export function decodeJpeg(bytes: Uint8Array, options: DecodeOptions = {}): E.Either<string, RgbImage> {
  const frame = readJpegFrame(bytes);
  if (E.isLeft(frame)) return frame;
  const { width, height, marker } = frame.right;
  if (!HUFFMAN_SOF.has(marker)) return E.left(`JPEG coding 0x${marker.toString(16)} (lossless, hierarchical or arithmetic) is not supported; re-save the image as baseline JPEG or PNG`);
  const tooBig = checkDeclaredSize(width, height, options);
  if (tooBig !== undefined) return E.left(tooBig);
  const need = minimumScanBytes(frame.right);
  if (bytes.length < need) return E.left(`the header declares ${width}×${height}, which needs at least ${need} bytes of image data; the file has ${bytes.length} (truncated or forged)`);
  const maxPixels = maxPixelsOf(options);
  try {
    const raw = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      // jpeg-js's own ceiling (512 MB by default) grows with a raised pixel cap: ≈ 16 bytes a pixel in its buffers.
      maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 16) / 2 ** 20)),
    });
    return E.right({ width: raw.width, height: raw.height, data: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.width * raw.height * 3) });
  } catch (e) {
    return E.left((e as Error).message);
  }
}
