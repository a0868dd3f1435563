import { describe, expect, it } from 'vitest';
import { maskgitMaskCounts, maskgitTemperatures, maskRatio, scheduledMaskCount } from '../src/index.js';

// vq.md §9: codes still masked after each step, cosine schedule.
const N256_T16 = [254, 251, 244, 236, 225, 212, 197, 181, 162, 142, 120, 97, 74, 49, 25, 1];
const N1024_T15_F64 = [1018, 1001, 973, 935, 886, 828, 760, 685, 601, 512, 416, 316, 212, 107, 1];
const N256_T12_F64 = [253, 247, 236, 221, 203, 181, 155, 128, 97, 66, 33, 1];

describe('MaskGIT mask counts', () => {
  it('N = 256, T = 16 matches the table (float32 and float64 agree)', () => {
    expect(maskgitMaskCounts(256, 16)).toEqual(N256_T16);
    expect(maskgitMaskCounts(256, 16, { precision: 'float64' })).toEqual(N256_T16);
  });
  it('N = 1024, T = 15: float32 schedule math gives 511 at step 9 where float64 gives 512 (Quirk 3)', () => {
    expect(maskgitMaskCounts(1024, 15, { precision: 'float64' })).toEqual(N1024_T15_F64);
    const f32 = [...N1024_T15_F64];
    f32[9] = 511;
    expect(maskgitMaskCounts(1024, 15)).toEqual(f32);
  });
  it('N = 256, T = 12 (127 vs 128) and N = 256, T = 18 step 11 (127 vs 128)', () => {
    const f32 = [...N256_T12_F64];
    f32[7] = 127;
    expect(maskgitMaskCounts(256, 12)).toEqual(f32);
    expect(maskgitMaskCounts(256, 12, { precision: 'float64' })).toEqual(N256_T12_F64);
    expect(scheduledMaskCount(256, 11, 18)).toBe(127);
    expect(scheduledMaskCount(256, 11, 18, 'cosine', 'float64')).toBe(128);
  });
  it('the other schedules follow their formulas', () => {
    expect(maskRatio('linear', 0.25, 'float64')).toBeCloseTo(0.75, 12);
    expect(maskRatio('linear', 1, 'float64')).toBe(1e-6);
    expect(maskRatio('pow2', 0.5, 'float64')).toBeCloseTo(0.75, 12);
    expect(maskRatio('pow0.5', 0.25, 'float64')).toBeCloseTo(0.5, 12);
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    const r = 0.3;
    expect(maskRatio('sigmoid', r, 'float64')).toBeCloseTo((s(3) - s(r * 6 - 3)) / (s(3) - s(-3)), 12);
    expect(maskRatio('sigmoid', r)).toBeCloseTo((s(3) - s(r * 6 - 3)) / (s(3) - s(-3)), 6);
    expect(maskRatio('cosine', 1 / 3, 'float64')).toBeCloseTo(Math.cos(Math.PI / 6), 12);
    expect(() => maskRatio('bogus' as 'cosine', 0.5)).toThrow(/unknown schedule/);
  });
  it('temperatures compound by default (spec list for T = 15) and follow τ₀(1 − r) with maskgit', () => {
    const spec = [0.933, 0.809, 0.647, 0.475, 0.316, 0.19, 0.101, 0.047, 0.019, 0.0063, 0.0017, 3.4e-4, 4.5e-5, 3.0e-6, 0];
    const got = maskgitTemperatures(1, 15);
    // The spec rounds to two or three significant digits.
    spec.slice(0, 14).forEach((t, i) => expect(Math.abs(got[i]! - t) / t).toBeLessThan(0.03));
    expect(got[14]).toBe(0);
    expect(maskgitTemperatures(2, 4, 'maskgit')).toEqual([1.5, 1, 0.5, 0]);
  });
});
