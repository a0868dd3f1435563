/**
 * Small pixel utilities for reports: nearest-neighbour upscaling (32-px scenes are unreadable at 1:1), a
 * contact sheet that lays images out on a grid with gutters, and a grey-out of one token cell to show
 * what an inpainting call regenerates.
 */
import { createImage, type Rgb, type RgbImage } from '@mmada/image';

export function upscaleNearest(img: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`upscaleNearest: factor must be a positive integer, got ${factor}`);
  const out = createImage(img.width * factor, img.height * factor);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const src = (Math.floor(y / factor) * img.width + Math.floor(x / factor)) * 3;
      out.data.set(img.data.subarray(src, src + 3), (y * out.width + x) * 3);
    }
  }
  return out;
}

/** Images of one size on a grid of `columns`, `gutter` pixels apart, on `background`. */
export function contactSheet(images: readonly RgbImage[], columns: number, gutter = 4, background: Rgb = [230, 230, 230]): RgbImage {
  if (images.length === 0) throw new RangeError('contactSheet: no images');
  const { width, height } = images[0]!;
  if (images.some((i) => i.width !== width || i.height !== height)) throw new RangeError('contactSheet: images must share one size');
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const sheet = createImage(cols * width + (cols + 1) * gutter, rows * height + (rows + 1) * gutter, background);
  images.forEach((img, i) => {
    const x0 = gutter + (i % cols) * (width + gutter);
    const y0 = gutter + Math.floor(i / cols) * (height + gutter);
    for (let y = 0; y < height; y++) sheet.data.set(img.data.subarray(y * width * 3, (y + 1) * width * 3), ((y0 + y) * sheet.width + x0) * 3);
  });
  return sheet;
}

/** A copy with the cell (row, col) of a grid of `grid`×`grid` cells filled grey. */
export function greyCell(img: RgbImage, grid: number, row: number, col: number, grey: Rgb = [128, 128, 128]): RgbImage {
  const out = { width: img.width, height: img.height, data: new Uint8Array(img.data) };
  const cw = img.width / grid, ch = img.height / grid;
  for (let y = row * ch; y < (row + 1) * ch; y++) for (let x = col * cw; x < (col + 1) * cw; x++) out.data.set(grey, (y * img.width + x) * 3);
  return out;
}

/**
 * The indices (row-major) of the image tokens that cover cell (row, col) of a `grid` × `grid` scene, for a square
 * token grid of `tokens` tokens whose side is a multiple of `grid`: one token of a 2×2 grid, four of a 4×4 one.
 */
export function tokensOfCell(tokens: number, grid: number, row: number, col: number): number[] {
  const side = Math.round(Math.sqrt(tokens));
  if (side * side !== tokens || side % grid !== 0) throw new RangeError(`tokensOfCell: ${tokens} tokens are not a square grid whose side is a multiple of ${grid}`);
  if (!(row >= 0 && row < grid && col >= 0 && col < grid)) throw new RangeError(`tokensOfCell: cell (${row}, ${col}) is outside a ${grid}×${grid} scene`);
  const per = side / grid;
  const out: number[] = [];
  for (let r = row * per; r < (row + 1) * per; r++) for (let c = col * per; c < (col + 1) * per; c++) out.push(r * side + c);
  return out;
}
