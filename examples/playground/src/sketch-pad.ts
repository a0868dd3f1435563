/**
 * A ShapesWorld canvas to draw on: the image is a 32×32 RGB array shown scaled up; dragging paints 3×3
 * blocks in the chosen palette colour (ShapesWorld's colours, so the model has seen them).
 */
import { BACKGROUND, COLORS, COLOR_NAMES, type ColorName } from '@mmada/eval';
import { createImage, type Rgb, type RgbImage } from '@mmada/image';
import { drawImage } from './dom.js';

export class SketchPad {
  private img: RgbImage;
  private color: Rgb = COLORS.red as Rgb;
  private painting = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    palette: HTMLElement,
    size = 32,
  ) {
    this.img = createImage(size, size, BACKGROUND);
    for (const name of COLOR_NAMES) palette.append(this.swatch(name, palette));
    canvas.addEventListener('pointerdown', (e) => {
      this.painting = true;
      this.paint(e);
    });
    canvas.addEventListener('pointermove', (e) => this.painting && this.paint(e));
    window.addEventListener('pointerup', () => (this.painting = false));
    this.redraw();
  }

  /** A copy of the current pixels. */
  image(): RgbImage {
    return { width: this.img.width, height: this.img.height, data: new Uint8Array(this.img.data) };
  }

  setImage(img: RgbImage): void {
    this.img = { width: img.width, height: img.height, data: new Uint8Array(img.data) };
    this.redraw();
  }

  clear(): void {
    this.img = createImage(this.img.width, this.img.height, BACKGROUND);
    this.redraw();
  }

  private swatch(name: ColorName, palette: HTMLElement): HTMLButtonElement {
    const b = document.createElement('button');
    const rgb = COLORS[name] as Rgb;
    b.className = 'swatch';
    b.title = name;
    b.style.background = `rgb(${rgb.join(',')})`;
    b.addEventListener('click', () => {
      this.color = rgb;
      palette.querySelectorAll('.swatch').forEach((s) => s.classList.toggle('chosen', s === b));
    });
    if (name === 'red') b.classList.add('chosen');
    return b;
  }

  private paint(e: PointerEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) / r.width) * this.img.width);
    const y = Math.floor(((e.clientY - r.top) / r.height) * this.img.height);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const px = x + dx, py = y + dy;
        if (px >= 0 && py >= 0 && px < this.img.width && py < this.img.height) this.img.data.set(this.color, (py * this.img.width + px) * 3);
      }
    }
    this.redraw();
  }

  private redraw(): void {
    drawImage(this.canvas, this.img);
  }
}
