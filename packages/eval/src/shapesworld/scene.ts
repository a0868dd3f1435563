import { createImage, type RgbImage } from '@mmada/image';
import { BACKGROUND, COLORS, type ColorName } from './palette.js';
import { type ShapeKind, shapeMask } from './shapes.js';

export type CanvasSize = 32 | 64;

/** One shape of a scene, drawn centred in a grid cell. */
export interface SceneObject {
  readonly shape: ShapeKind;
  readonly color: ColorName;
  readonly row: number;
  readonly col: number;
}

export interface Scene {
  readonly size: CanvasSize;
  readonly objects: readonly SceneObject[];
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface SceneGeometry {
  /** Cells per side: 2 on 32×32 canvases, 3 on 64×64. */
  readonly grid: number;
  readonly cell: number;
  /** Side of every shape's box. */
  readonly shapeSize: number;
  /** Margin that centres the grid on the canvas. */
  readonly offset: number;
}

export function sceneGeometry(size: CanvasSize): SceneGeometry {
  const grid = size === 32 ? 2 : 3;
  const cell = Math.floor(size / grid);
  const shapeSize = Math.round(cell * 0.72);
  return { grid, cell, shapeSize, offset: Math.floor((size - grid * cell) / 2) };
}

/** The box a scene object is drawn in. */
export function objectBox(size: CanvasSize, obj: Pick<SceneObject, 'row' | 'col'>): Box {
  const g = sceneGeometry(size);
  const pad = Math.floor((g.cell - g.shapeSize) / 2);
  return { x: g.offset + obj.col * g.cell + pad, y: g.offset + obj.row * g.cell + pad, width: g.shapeSize, height: g.shapeSize };
}

/** Draws a scene: palette-coloured shapes on a white canvas. */
export function renderScene(scene: Scene): RgbImage {
  const img = createImage(scene.size, scene.size, BACKGROUND);
  for (const obj of scene.objects) {
    const box = objectBox(scene.size, obj);
    const mask = shapeMask(obj.shape, box.width, box.height);
    for (let r = 0; r < box.height; r++) {
      for (let c = 0; c < box.width; c++) {
        if (mask[r * box.width + c]) img.data.set(COLORS[obj.color], ((box.y + r) * scene.size + box.x + c) * 3);
      }
    }
  }
  return img;
}

/** The name of a grid cell as answers use it: `top left`, … (`center` for the middle of a 3×3 grid). */
export function cellName(size: CanvasSize, row: number, col: number): string {
  const { grid } = sceneGeometry(size);
  const rows = grid === 2 ? ['top', 'bottom'] : ['top', 'middle', 'bottom'];
  const cols = grid === 2 ? ['left', 'right'] : ['left', 'center', 'right'];
  const name = `${rows[row]} ${cols[col]}`;
  return name === 'middle center' ? 'center' : name;
}
