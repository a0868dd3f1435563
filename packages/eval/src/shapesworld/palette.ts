import type { Rgb } from '@mmada/image';

/** The fixed ShapesWorld palette; colours are far apart so that segmentation by nearest colour is safe. */
export const COLORS = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [240, 210, 40],
  purple: [150, 60, 190],
  orange: [245, 140, 30],
} as const satisfies Record<string, Rgb>;

export type ColorName = keyof typeof COLORS;
export const COLOR_NAMES = Object.keys(COLORS) as ColorName[];
export const BACKGROUND: Rgb = [255, 255, 255];

const dist2 = (a: Rgb, b: Rgb) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;

/**
 * The palette colour a pixel shows: the nearest of the palette and the background, or null for
 * background and for pixels farther than `maxDistance` (RGB Euclidean) from every colour.
 */
export function nearestColor(rgb: Rgb, maxDistance = 90): ColorName | null {
  let best: ColorName | null = null;
  let bestD = dist2(rgb, BACKGROUND);
  for (const name of COLOR_NAMES) {
    const d = dist2(rgb, COLORS[name]);
    if (d < bestD) {
      best = name;
      bestD = d;
    }
  }
  return bestD <= maxDistance * maxDistance ? best : null;
}
