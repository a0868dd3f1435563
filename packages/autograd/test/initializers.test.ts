import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { erfinvCentral, normalInit, onesInit, truncatedNormalInit, zerosInit } from '../src/index.js';

describe('initialisers', () => {
  it('normal(std) and truncatedNormal(std) have the right spread; same key, same values', async () => {
    const k = T.key(42);
    const n = normalInit(0.5)(k, [4000]);
    const d = Array.from(await n.data());
    const std = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    expect(std).toBeGreaterThan(0.47);
    expect(std).toBeLessThan(0.53);
    const t = truncatedNormalInit(0.5)(k, [4000]);
    const td = Array.from(await t.data());
    expect(Math.max(...td.map(Math.abs))).toBeLessThanOrEqual(1.0000001);
    // std of N(0,1) truncated to ±2 is 0.8796
    const tstd = Math.sqrt(td.reduce((s, v) => s + v * v, 0) / td.length);
    expect(tstd / 0.5).toBeGreaterThan(0.85);
    expect(tstd / 0.5).toBeLessThan(0.91);
    const again = truncatedNormalInit(0.5)(k, [4000]);
    expect(Array.from(await again.data())).toEqual(td);
    T.dispose([n, t, again]);
  });

  it('erfinv inverts erf on the central range', async () => {
    const x = T.tensor([-0.95, -0.5, 0, 0.3, 0.9, 0.99]);
    const back = T.erf(erfinvCentral(x));
    const b = Array.from(await back.data());
    [-0.95, -0.5, 0, 0.3, 0.9, 0.99].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    T.dispose([x, back]);
  });

  it('zeros and ones', async () => {
    const z = zerosInit()(T.key(0), [2, 2]);
    const o = onesInit()(T.key(0), [3], { dtype: 'f16' });
    expect(Array.from(await z.data())).toEqual([0, 0, 0, 0]);
    expect(o.dtype).toBe('f16');
    expect(Array.from(await o.data())).toEqual([1, 1, 1]);
    T.dispose([z, o]);
  });
});
