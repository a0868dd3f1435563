import type { RgbImage } from '@mmada/image';
import { type ColorName, nearestColor } from './palette.js';
import { SHAPES, type ShapeKind, shapeMask } from './shapes.js';

/** One shape found in an image. */
export interface DetectedObject {
  readonly color: ColorName;
  /** The best-matching shape, or null when no shape template matches well enough. */
  readonly shape: ShapeKind | null;
  /** Intersection-over-union of the segment with the chosen shape's template. */
  readonly shapeIoU: number;
  /** Inclusive pixel bounds. */
  readonly box: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
  readonly area: number;
  readonly centroid: { readonly x: number; readonly y: number };
}

export interface SegmentationOptions {
  /** Largest RGB distance from a palette colour for a pixel to count as that colour (default 90). */
  readonly maxColorDistance?: number;
  /** Segments smaller than this many pixels are noise (default: 0.4% of the image, at least 4). */
  readonly minArea?: number;
  /** Smallest template IoU that names a shape (default 0.7). */
  readonly minShapeIoU?: number;
}

/**
 * Finds the shapes in an image: pixels are labelled with their nearest palette colour, same-colour
 * pixels are grouped into 4-connected components, and each component is classified by comparing it
 * with every shape's mask drawn in the component's bounding box (best IoU wins).
 */
export function detectObjects(img: RgbImage, options: SegmentationOptions = {}): DetectedObject[] {
  const { width, height, data } = img;
  const minArea = options.minArea ?? Math.max(4, Math.round(width * height * 0.004));
  const minIoU = options.minShapeIoU ?? 0.7;
  const labels: (ColorName | null)[] = new Array(width * height);
  for (let p = 0; p < width * height; p++) labels[p] = nearestColor([data[p * 3], data[p * 3 + 1], data[p * 3 + 2]], options.maxColorDistance);
  const seen = new Uint8Array(width * height);
  const objects: DetectedObject[] = [];
  const stack: number[] = [];
  for (let start = 0; start < width * height; start++) {
    const color = labels[start];
    if (color === null || seen[start]) continue;
    const pixels: number[] = [];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      pixels.push(p);
      const x = p % width, y = (p - x) / width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
      for (const q of neighbours) {
        if (q >= 0 && !seen[q] && labels[q] === color) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    if (pixels.length < minArea) continue;
    objects.push(describeSegment(pixels, width, color, minIoU));
  }
  return objects;
}

function describeSegment(pixels: readonly number[], width: number, color: ColorName, minIoU: number): DetectedObject {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, sx = 0, sy = 0;
  for (const p of pixels) {
    const x = p % width, y = (p - x) / width;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
    sx += x;
    sy += y;
  }
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const segment = new Uint8Array(w * h);
  for (const p of pixels) {
    const x = p % width, y = (p - x) / width;
    segment[(y - y0) * w + (x - x0)] = 1;
  }
  let shape: ShapeKind | null = null;
  let bestIoU = 0;
  for (const kind of SHAPES) {
    const template = shapeMask(kind, w, h);
    let inter = 0, union = 0;
    for (let i = 0; i < w * h; i++) {
      inter += segment[i] & template[i];
      union += segment[i] | template[i];
    }
    const iou = union === 0 ? 0 : inter / union;
    if (iou > bestIoU) {
      bestIoU = iou;
      shape = kind;
    }
  }
  return {
    color,
    shape: bestIoU >= minIoU ? shape : null,
    shapeIoU: bestIoU,
    box: { x0, y0, x1, y1 },
    area: pixels.length,
    centroid: { x: sx / pixels.length, y: sy / pixels.length },
  };
}
