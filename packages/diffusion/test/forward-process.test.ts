import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, key, memory, tensor } from '@mmada/tensor';
import { initTestDevice } from '../../../tests/support/devices.js';
import { maskByCosineSchedule, maskExactCount, maskIndependently } from '../src/index.js';

const MASK = 99;

beforeAll(async () => {
  await initTestDevice();
});

describe('maskIndependently (LLaDA)', () => {
  it('masks with p = (1 − ε)·t + ε and never touches the prompt', async () => {
    const b = 4;
    const l = 2000;
    const ids = tensor(new Int32Array(b * l).fill(7), [b, l], 'i32');
    const t = tensor([0, 0.25, 0.5, 1], [b]);
    const promptMask = tensor(Array.from({ length: b * l }, (_, i) => (i % l < 100 ? 1 : 0)), [b, l], 'bool');
    const r = maskIndependently(key(3), ids, { t, promptMask, maskId: MASK });
    expect(Array.from(await r.p.data()).map((v) => +v.toFixed(6))).toEqual([0.001, 0.25075, 0.5005, 1]);
    const noisy = Array.from(await r.noisy.data());
    const masked = Array.from(await r.masked.data());
    for (let row = 0; row < b; row++) {
      const slice = noisy.slice(row * l, (row + 1) * l);
      expect(slice.slice(0, 100).every((v) => v === 7)).toBe(true);
      const frac = slice.slice(100).filter((v) => v === MASK).length / (l - 100);
      const p = [0.001, 0.25075, 0.5005, 1][row]!;
      expect(Math.abs(frac - p)).toBeLessThan(0.04);
      expect(masked.slice(row * l, (row + 1) * l).filter(Boolean).length).toBe(slice.filter((v) => v === MASK).length);
    }
    dispose([ids, t, promptMask, r]);
  });
});

describe('maskByCosineSchedule (MMaDA t2i)', () => {
  it('masks exactly n = max(1, round(N·cos(π/2·t))) maskable tokens per row', async () => {
    // Row layout: 2 text tokens, then 10 image tokens (maskable).
    const ids = tensor(Array.from({ length: 3 * 12 }, (_, i) => i % 12), [3, 12], 'i32');
    const maskable = tensor(Array.from({ length: 36 }, (_, i) => (i % 12 >= 2 ? 1 : 0)), [3, 12], 'bool');
    // cos(π/2·t): t = 0 → 10 masked; t = 2/3 → cos(π/3) = 0.5 → 5; t = 1 → round(≈0) = 0 → at least 1.
    const t = tensor([0, 2 / 3, 1], [3]);
    const before = memory();
    const r = maskByCosineSchedule(key(5), ids, { t, maskable, maskId: MASK });
    expect(Array.from(await r.counts.data())).toEqual([10, 5, 1]);
    const noisy = Array.from(await r.noisy.data());
    [10, 5, 1].forEach((c, row) => {
      const part = noisy.slice(row * 12, (row + 1) * 12);
      expect(part.slice(0, 2)).toEqual([0, 1]);
      expect(part.filter((v) => v === MASK).length).toBe(c);
    });
    dispose(r);
    expect(memory()).toEqual(before);
    dispose([ids, maskable, t]);
  });

  it('maskExactCount picks a uniformly random subset (every position gets hit over many draws)', async () => {
    const maskable = tensor([[1, 1, 1, 1, 0, 1]], [1, 6], 'bool');
    const counts = tensor([2], [1], 'i32');
    const hits = new Array<number>(6).fill(0);
    for (let s = 0; s < 60; s++) {
      const m = maskExactCount(key(s), maskable, counts);
      const d = Array.from(await m.data());
      expect(d.filter(Boolean).length).toBe(2);
      d.forEach((v, i) => (hits[i]! += v));
      m.dispose();
    }
    expect(hits[4]).toBe(0);
    for (const i of [0, 1, 2, 3, 5]) expect(hits[i]).toBeGreaterThan(10);
    dispose([maskable, counts]);
  });
});
