import { encode } from 'fast-png';
import type { RgbImage } from './rgb-image.js';

/** Encodes an RGB image as an 8-bit truecolour, non-interlaced PNG (fast-png's filtering and deflate). */
export function encodePng(img: RgbImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}
