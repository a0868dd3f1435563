import { describe, expect, it } from 'vitest';
import {
  cellName, COLORS, createImage, createRng, detectObjects, hashSeed, nearestColor, objectBox, plural, relativePosition, renderScene,
  sceneGeometry, SHAPES, shapeMask,
} from '@mmada/eval';

describe('seeded PRNG', () => {
  it('is deterministic per seed and uniform enough', () => {
    const a = createRng(42), b = createRng(42), c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    const r = createRng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[r.int(4)]++;
    for (const n of counts) expect(n).toBeGreaterThan(900);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => r.pick([])).toThrow(RangeError);
  });
  it('hashSeed separates its parts', () => {
    expect(hashSeed('test', 1)).toBe(hashSeed('test', 1));
    expect(hashSeed('test', 1)).not.toBe(hashSeed('test', 11));
    expect(hashSeed('ab', 'c')).not.toBe(hashSeed('a', 'bc'));
  });
});

describe('palette', () => {
  it('maps pixels to the nearest palette colour, white and far pixels to null', () => {
    expect(nearestColor(COLORS.red)).toBe('red');
    expect(nearestColor([200, 60, 50])).toBe('red');
    expect(nearestColor([255, 255, 255])).toBeNull();
    expect(nearestColor([0, 0, 0])).toBeNull();
  });
});

describe('shape masks', () => {
  it('touch all four sides of their box at every size', () => {
    for (const shape of SHAPES) {
      for (const [w, h] of [[8, 8], [11, 11], [15, 15], [9, 14]]) {
        const m = shapeMask(shape, w, h);
        const rows = Array.from({ length: h }, (_, r) => m.subarray(r * w, (r + 1) * w).some(Boolean));
        const cols = Array.from({ length: w }, (_, c) => Array.from({ length: h }, (_, r) => m[r * w + c]).some(Boolean));
        expect([rows[0], rows[h - 1], cols[0], cols[w - 1]], `${shape} ${w}x${h}`).toEqual([true, true, true, true]);
      }
    }
  });
  it('have the expected fill ratios', () => {
    const fill = (s: (typeof SHAPES)[number]) => shapeMask(s, 40, 40).reduce((a, b) => a + b, 0) / 1600;
    expect(fill('square')).toBe(1);
    expect(fill('circle')).toBeCloseTo(Math.PI / 4, 1);
    expect(fill('triangle')).toBeCloseTo(0.5, 1);
    expect(fill('diamond')).toBeCloseTo(0.5, 1);
    expect(fill('cross')).toBeCloseTo(5 / 9, 1);
    expect(plural('cross')).toBe('crosses');
    expect(plural('circle')).toBe('circles');
  });
});

describe('scenes', () => {
  it('lay shapes out on a 2×2 grid at 32 px and a 3×3 grid at 64 px', () => {
    expect(sceneGeometry(32)).toEqual({ grid: 2, cell: 16, shapeSize: 12, offset: 0 });
    expect(sceneGeometry(64)).toEqual({ grid: 3, cell: 21, shapeSize: 15, offset: 0 });
    expect(objectBox(32, { row: 1, col: 0 })).toEqual({ x: 2, y: 18, width: 12, height: 12 });
    expect(cellName(32, 0, 1)).toBe('top right');
    expect(cellName(64, 1, 1)).toBe('center');
    expect(cellName(64, 2, 1)).toBe('bottom center');
  });

  it('render and detect every shape and colour exactly', () => {
    for (const size of [32, 64] as const) {
      for (const shape of SHAPES) {
        const img = renderScene({ size, objects: [{ shape, color: 'purple', row: 1, col: 0 }, { shape: 'square', color: 'yellow', row: 0, col: 1 }] });
        const found = detectObjects(img);
        expect(found.map((o) => [o.shape, o.color])).toEqual([['square', 'yellow'], [shape, 'purple']]);
        const box = objectBox(size, { row: 1, col: 0 });
        expect(found[1].box).toEqual({ x0: box.x, y0: box.y, x1: box.x + box.width - 1, y1: box.y + box.height - 1 });
        expect(found[1].shapeIoU).toBe(1);
      }
    }
  });

  it('ignores specks and leaves unrecognisable blobs unnamed', () => {
    const img = createImage(32, 32);
    img.data.set(COLORS.red, 0);
    // An L-shaped blob matches no template well.
    for (let y = 10; y < 22; y++) img.data.set(COLORS.blue, (y * 32 + 10) * 3);
    for (let x = 10; x < 22; x++) img.data.set(COLORS.blue, (21 * 32 + x) * 3);
    const found = detectObjects(img);
    expect(found).toHaveLength(1);
    expect(found[0].color).toBe('blue');
    expect(found[0].shape).toBeNull();
  });
});

describe('relativePosition (GenEval)', () => {
  const box = (x: number, y: number) => ({ x0: x, y0: y, x1: x + 10, y1: y + 10 });
  it('finds left/right/above/below from box centres', () => {
    expect([...relativePosition(box(0, 0), box(16, 0))]).toEqual(['left of']);
    expect([...relativePosition(box(16, 0), box(0, 0))]).toEqual(['right of']);
    expect([...relativePosition(box(0, 0), box(0, 16))]).toEqual(['above']);
    expect([...relativePosition(box(0, 16), box(0, 0))]).toEqual(['below']);
    expect(relativePosition(box(0, 0), box(16, 16))).toEqual(new Set(['left of', 'above']));
    expect(relativePosition(box(0, 0), box(1, 1)).size).toBe(0);
  });
});
