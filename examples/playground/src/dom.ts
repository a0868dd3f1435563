/** Small DOM helpers: element lookup that names what is missing, and RGB images drawn through canvas ImageData. */
import type { RgbImage } from '@mmada/image';

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: the page has no element #${id}`);
  return el as T;
}

/** RGB bytes → RGBA ImageData (opaque). */
export function toImageData(img: RgbImage): ImageData {
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0, j = 0; i < img.width * img.height; i++, j += 3) {
    rgba[i * 4] = img.data[j]!;
    rgba[i * 4 + 1] = img.data[j + 1]!;
    rgba[i * 4 + 2] = img.data[j + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return new ImageData(rgba, img.width, img.height);
}

/** Draws an image onto a canvas, scaled up with hard pixel edges (the canvas keeps its own size). */
export function drawImage(canvas: HTMLCanvasElement, img: RgbImage): void {
  const small = document.createElement('canvas');
  small.width = img.width;
  small.height = img.height;
  small.getContext('2d')!.putImageData(toImageData(img), 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** Marks a panel busy / done / failed (tests and styles read data-state). */
export function setState(panel: HTMLElement, state: 'idle' | 'busy' | 'done' | 'error', message = ''): void {
  panel.dataset.state = state;
  const note = panel.querySelector<HTMLElement>('.note');
  if (note) note.textContent = message;
  panel.querySelectorAll<HTMLButtonElement>('button.run').forEach((b) => (b.disabled = state === 'busy'));
}
