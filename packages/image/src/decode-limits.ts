/**
 * Bounds on what a decoder may allocate, checked against the sizes a file declares before any pixel is
 * decoded. The pixel cap is Pillow's `Image.MAX_IMAGE_PIXELS` (≈ 89.5 MP, a 1/4 GiB RGBA image), so a file
 * Pillow opens by default opens here too; callers raise it with `maxPixels`.
 */
export const MAX_IMAGE_PIXELS = 89_478_485;

export interface DecodeOptions {
  /** Largest width × height accepted (default MAX_IMAGE_PIXELS); larger images are refused unread. */
  readonly maxPixels?: number;
}

/** The pixel cap in force, or a message when the option itself is not a positive integer. */
export function maxPixelsOf(options: DecodeOptions): number {
  const max = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (!Number.isSafeInteger(max) || max <= 0) throw new RangeError(`maxPixels must be a positive integer, got ${max}`);
  return max;
}

/** Undefined when a declared width × height is allowed; otherwise why not. */
export function checkDeclaredSize(width: number, height: number, options: DecodeOptions): string | undefined {
  if (width <= 0 || height <= 0) return `the header declares an empty image (${width}×${height})`;
  const max = maxPixelsOf(options);
  if (width * height > max) {
    return `the header declares ${width}×${height} = ${width * height} pixels, over the limit of ${max} (raise it with maxPixels / --max-image-pixels if the image is trusted)`;
  }
  return undefined;
}
