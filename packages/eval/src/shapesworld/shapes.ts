export const SHAPES = ['square', 'circle', 'triangle', 'diamond', 'cross'] as const;
export type ShapeKind = (typeof SHAPES)[number];

/** Plural used in prompts and questions. */
export const plural = (shape: ShapeKind): string => (shape === 'cross' ? 'crosses' : `${shape}s`);

/**
 * The pixel mask of a shape filling a `width`×`height` box (1 = inside). Every mask touches all four
 * sides of its box, so a rendered shape's bounding box is exactly the box it was drawn in, and the
 * verifier can classify a segment by comparing it with these same masks.
 */
export function shapeMask(shape: ShapeKind, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      // Pixel centre in box coordinates centred on 0, each axis in [-0.5, 0.5].
      const u = (c + 0.5) / width - 0.5;
      const v = (r + 0.5) / height - 0.5;
      let inside: boolean;
      switch (shape) {
        case 'square':
          inside = true;
          break;
        case 'circle':
          inside = u * u + v * v <= 0.25;
          break;
        case 'triangle': // apex up: the half-width grows from half a pixel at the top row to the full base
          inside = Math.abs(u) <= (r + 1) / (2 * height);
          break;
        case 'diamond':
          inside = Math.abs(u) + Math.abs(v) <= 0.5 + 0.5 / Math.max(width, height);
          break;
        case 'cross':
          inside = Math.abs(u) <= 1 / 6 + 0.5 / width || Math.abs(v) <= 1 / 6 + 0.5 / height;
          break;
      }
      mask[r * width + c] = inside ? 1 : 0;
    }
  }
  return mask;
}
