import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

/** Pearson chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: number[], probs: number[]): number {
  const n = counts.reduce((a, c) => a + c, 0);
  return counts.reduce((s, c, i) => s + (c - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}

describe('keys', () => {
  it('threefry2x32 matches the Random123 known-answer vectors', () => {
    expect(T.threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(T.threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
    expect(T.threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
  });
  it('split gives distinct keys; same key gives the same bits', async () => {
    const k = T.key(42);
    const [a, b] = T.split(k, 2);
    expect(a!.words).not.toEqual(b!.words);
    expect(T.split(k, 2)).toEqual([a, b]);
    const x = Array.from(await T.randomBits(a!, [64]).data());
    const y = Array.from(await T.randomBits(a!, [64]).data());
    const z = Array.from(await T.randomBits(b!, [64]).data());
    expect(x).toEqual(y);
    expect(x.filter((v, i) => v === z[i]).length).toBeLessThan(2);
    expect(T.foldIn(k, 1).words).not.toEqual(T.foldIn(k, 2).words);
  });
  it('split keys are independent (uniforms from sibling keys are uncorrelated)', async () => {
    const [a, b] = T.split(T.key(7), 2);
    const u = Array.from(await T.uniform(a!, [4000]).data());
    const v = Array.from(await T.uniform(b!, [4000]).data());
    const mu = (s: number[]) => s.reduce((p, c) => p + c, 0) / s.length;
    const mu1 = mu(u);
    const mu2 = mu(v);
    const cov = mu(u.map((x, i) => (x - mu1) * (v[i]! - mu2)));
    const corr = cov / Math.sqrt(mu(u.map((x) => (x - mu1) ** 2)) * mu(v.map((x) => (x - mu2) ** 2)));
    expect(Math.abs(corr)).toBeLessThan(0.05); // |r| < 0.05: 3 standard errors at n = 4000
  });
});

describe('distributions (cpu, fixed seeds)', () => {
  it('uniform is in [0,1) and its deciles are flat (chi-square, 9 dof, p=0.001 critical 27.9)', async () => {
    const u = await T.uniform(T.key(1), [20000]).data();
    const counts = new Array(10).fill(0);
    for (const x of u) {
      expect(x >= 0 && x < 1).toBe(true);
      counts[Math.floor(x * 10)]++;
    }
    expect(chiSquare(counts, new Array(10).fill(0.1))).toBeLessThan(27.9);
  });
  it('normal has mean 0 and std 1', async () => {
    const z = Array.from(await T.normal(T.key(2), [20000]).data());
    const m = z.reduce((a, c) => a + c, 0) / z.length;
    const s = Math.sqrt(z.reduce((a, c) => a + (c - m) ** 2, 0) / z.length);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(s - 1)).toBeLessThan(0.03);
  });
  it('gumbel has mean ≈ Euler–Mascheroni 0.5772', async () => {
    const g = Array.from(await T.gumbel(T.key(3), [20000]).data());
    expect(Math.abs(g.reduce((a, c) => a + c, 0) / g.length - 0.5772)).toBeLessThan(0.03);
  });
  it('categorical frequencies match softmax(logits) (chi-square, 3 dof, p=0.001 critical 16.27)', async () => {
    const probs = [0.1, 0.2, 0.3, 0.4];
    const logits = T.broadcastTo(T.log(T.tensor(probs)), [8000, 4]);
    const s = await T.categorical(T.key(4), logits).data();
    const counts = [0, 0, 0, 0];
    for (const v of s) counts[v]++;
    expect(chiSquare(counts, probs)).toBeLessThan(16.27);
  });
  it('bernoulli frequency matches p', async () => {
    const b = await T.bernoulli(T.key(5), 0.3, [10000]).data();
    const p = Array.from(b).reduce((a, c) => a + c, 0) / b.length;
    expect(Math.abs(p - 0.3)).toBeLessThan(0.015);
  });
  it('randint stays in [low, high) and hits every value', async () => {
    const r = Array.from(await T.randint(T.key(6), [5000], -3, 4).data());
    expect(Math.min(...r)).toBe(-3);
    expect(Math.max(...r)).toBe(3);
    const counts = new Array(7).fill(0);
    for (const v of r) counts[v + 3]++;
    expect(chiSquare(counts, new Array(7).fill(1 / 7))).toBeLessThan(22.46); // 6 dof, p = 0.001
  });
  it('permutation is a permutation', async () => {
    const p = Array.from(await T.permutation(T.key(8), 100).data());
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describeOnDevices(['webgpu'], 'same key, same numbers on cpu and webgpu', () => {
  it('bits, uniform, normal, gumbel, categorical, permutation, bernoulli, randint', async () => {
    const k = T.key(123);
    const run = (device: 'cpu' | 'webgpu') => [
      T.randomBits(k, [1000], { device }),
      T.uniform(k, [257], { device }),
      T.normal(k, [100], { device }),
      T.gumbel(k, [100], { device }),
      T.categorical(k, T.tensor([[0, 1, 2, 3, 4]], undefined, 'f32', { device })),
      T.permutation(k, 50, { device }),
      T.bernoulli(k, 0.5, [64], { device }),
      T.randint(k, [64], 0, 10, { device }),
    ];
    const a = run('cpu');
    const b = run('webgpu');
    for (let i = 0; i < a.length; i++) {
      const x = Array.from(await a[i]!.data());
      const y = Array.from(await b[i]!.data());
      if (a[i]!.dtype === 'f32') x.forEach((v, j) => expect(Math.abs(v - y[j]!)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
      else expect(y).toEqual(x);
    }
  });
});
