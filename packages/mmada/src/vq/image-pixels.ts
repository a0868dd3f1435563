/**
 * Pixels in and out of the tokenizer (spec/vq.md §7).
 *
 * In, as upstream's `image_transform`: resize the shorter side to the resolution (Pillow bicubic, the longer
 * side truncated as torchvision computes it), center-crop to resolution × resolution (torchvision's offsets,
 * Python rounding), scale to [0, 1] and map to [−1, 1] with (x − 0.5) / 0.5. `squashImage` is MMaDA's
 * `image_transform_squash`: a plain bicubic resize to resolution × resolution, no crop.
 *
 * Out, as upstream: uint8(clamp((x + 1) / 2, 0, 1) · 255) computed in f32, where the cast truncates; the
 * `round` option rounds to nearest instead.
 */
import { fromRaw, TensorError, type DeviceName, type Tensor } from '@mmada/tensor';
import type { RgbImage } from '@mmada/image';
import { resizeBicubic } from './bicubic-resize.js';

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Resize the shorter side to `resolution` (bicubic), then take the centered resolution × resolution crop. */
export function resizeAndCenterCrop(img: RgbImage, resolution: number): RgbImage {
  if (!Number.isInteger(resolution) || resolution <= 0) throw new RangeError(`resolution must be a positive integer, got ${resolution}`);
  const portrait = img.width <= img.height;
  const [short, long] = portrait ? [img.width, img.height] : [img.height, img.width];
  const newLong = Math.trunc((resolution * long) / short);
  const [w, h] = portrait ? [resolution, newLong] : [newLong, resolution];
  const resized = resizeBicubic(img, w, h);
  const left = roundHalfEven((w - resolution) / 2);
  const top = roundHalfEven((h - resolution) / 2);
  return cropImage(resized, left, top, resolution, resolution);
}

/** MMaDA's `image_transform_squash`: bicubic resize to resolution × resolution, aspect ratio not kept. */
export function squashImage(img: RgbImage, resolution: number): RgbImage {
  return resizeBicubic(img, resolution, resolution);
}

/** The width × height region whose top-left corner is (left, top). */
export function cropImage(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  if (left < 0 || top < 0 || left + width > img.width || top + height > img.height) {
    throw new RangeError(`crop ${width}×${height} at (${left}, ${top}) is outside the ${img.width}×${img.height} image`);
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    out.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data: out };
}

export interface ImagesToTensorOptions {
  readonly device?: DeviceName;
}

/** Same-size RGB images → [B, 3, H, W] f32 in [−1, 1]: ((v / 255) − 0.5) / 0.5 in f32, as ToTensor + Normalize. */
export function imagesToTensor(images: readonly RgbImage[], options: ImagesToTensorOptions = {}): Tensor {
  if (images.length === 0) throw new TensorError('imagesToTensor', 'needs at least one image');
  const { width: W, height: H } = images[0]!;
  const plane = W * H;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((img, b) => {
    if (img.width !== W || img.height !== H) {
      throw new TensorError('imagesToTensor', `image ${b} is ${img.width}×${img.height}, image 0 is ${W}×${H}; resize them to one size first`);
    }
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[(b * 3 + c) * plane + p] = (Math.fround(img.data[p * 3 + c]! / 255) - 0.5) / 0.5;
    }
  });
  return fromRaw(out, [images.length, 3, H, W], 'f32', { device: options.device });
}

export interface TensorToImagesOptions {
  /** 'truncate' (default, as upstream's uint8 cast) or 'round' to nearest. */
  readonly rounding?: 'truncate' | 'round';
}

/** One value in [−1, 1] → a byte: clamp((x + 1) / 2, 0, 1) · 255 in f32, then truncated (or rounded). */
export function pixelByte(x: number, rounding: 'truncate' | 'round' = 'truncate'): number {
  const f = Math.fround;
  const unit = Math.min(1, Math.max(0, f(f(x + 1) / 2)));
  const v = f(unit * 255);
  return rounding === 'round' ? Math.round(v) : Math.trunc(Number.isNaN(v) ? 0 : v);
}

/** [B, 3, H, W] in ≈[−1, 1] → B RGB images (reads the tensor back to the host). */
export async function tensorToImages(images: Tensor, options: TensorToImagesOptions = {}): Promise<RgbImage[]> {
  if (images.rank !== 4 || images.shape[1] !== 3) throw new TensorError('tensorToImages', `images must be [B, 3, H, W], got [${images.shape.join(', ')}]`);
  const [B, , H, W] = images.shape as [number, number, number, number];
  const values = (await images.data()) as Float32Array;
  const plane = H * W;
  return Array.from({ length: B }, (_, b) => {
    const data = new Uint8Array(plane * 3);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) data[p * 3 + c] = pixelByte(values[(b * 3 + c) * plane + p]!, options.rounding);
    }
    return { width: W, height: H, data };
  });
}
