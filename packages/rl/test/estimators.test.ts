import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, key, memory, sum, tensor, type Tensor } from '@mmada/tensor';
import { stopGradient, valueAndGrad } from '@mmada/autograd';
import type { MaskPredictor } from '@mmada/diffusion';
import { initTestDevice } from '../../../tests/support/devices.js';
import { MASK, V, W, countingLogp, countingPredictor, tablePredictor, toyTable } from './toy-predictors.js';
import {
  coupledEstimator, createEstimator, d1Estimator, drawT1, grpoLoss, lladaMcEstimator, randomMaskingEstimator, rolloutKey,
  unigrpoEstimator, unigrpoTimesteps, type LikelihoodEstimate, type RolloutBatch,
} from '../src/index.js';

beforeAll(async () => {
  await initTestDevice();
});

const L = 8;
// Row 0: prompt [1, 2, 3], completion [0, 2, 3, 4(EOS)], then one more generated token.
// Row 1: prompt [3, 1], completion [2, 0, 4(EOS)], then three more generated tokens.
const IDS = [
  [1, 2, 3, 0, 2, 3, 4, 4],
  [3, 1, 2, 0, 4, 4, 4, 4],
];
const COMPLETION = [
  [0, 0, 0, 1, 1, 1, 1, 0],
  [0, 0, 1, 1, 1, 0, 0, 0],
];
const PROMPT = [3, 2];

function makeBatch(rows = IDS, completion = COMPLETION, promptLength = PROMPT, extra: Partial<RolloutBatch> = {}): RolloutBatch {
  const b = rows.length;
  const l = rows[0]!.length;
  return {
    ids: tensor(rows, [b, l], 'i32'),
    completionMask: tensor(completion, [b, l], 'bool'),
    promptLength,
    maskId: MASK,
    ...extra,
  };
}
const freeBatch = (b: RolloutBatch) => dispose([b.ids, b.completionMask, b.padMask]);

async function rowsOf(t: Tensor): Promise<number[][]> {
  const [r, l] = t.shape as [number, number];
  const d = Array.from(await t.data(), Number);
  return Array.from({ length: r }, (_, i) => d.slice(i * l, (i + 1) * l));
}

async function read(e: LikelihoodEstimate) {
  return {
    logp: await rowsOf(e.tokenLogp),
    mask: await rowsOf(e.mask),
    noisy: e.noisy ? await rowsOf(e.noisy) : undefined,
    weights: e.weights ? await rowsOf(e.weights) : undefined,
    seq: e.sequenceLogp ? Array.from(await e.sequenceLogp.data()) : undefined,
  };
}

const maskCount = (row: number[]) => row.filter((v) => v === MASK).length;

describe('unigrpoTimesteps', () => {
  it('stratified: t₁ = 100, μ = 5, T = 1000 → 100, 300, 500, 700, 900, wrapping mod T', () => {
    expect(unigrpoTimesteps(100, 5, 1000, 'stratified')).toEqual([100, 300, 500, 700, 900]);
    expect(unigrpoTimesteps(500, 4, 1000)).toEqual([500, 750, 0, 250]);
    expect(unigrpoTimesteps(10, 3, 1000)).toEqual([10, 343, 676]); // ⌊10 + 333.3⌋, ⌊10 + 666.7⌋
    expect(unigrpoTimesteps(42, 1, 1000)).toEqual([42]);
  });

  it('paper-formula (Alg. 1 line 13) gives 100, 325, 550, 775, 1000; igpo the same values for the same t₁', () => {
    expect(unigrpoTimesteps(100, 5, 1000, 'paper-formula')).toEqual([100, 325, 550, 775, 1000]);
    expect(unigrpoTimesteps(100, 5, 1000, 'igpo')).toEqual([100, 325, 550, 775, 1000]);
    // IGPO: T = 256 diffusion steps, t₀ = 30, μ = 4 → ⌊n/3·226 + 30⌋ = 30, 105, 180, 256
    expect(unigrpoTimesteps(30, 4, 256, 'igpo')).toEqual([30, 105, 180, 256]);
  });

  it('random: t₁ then keyed draws in [0, T), the same for the same key', () => {
    const a = unigrpoTimesteps(100, 6, 1000, 'random', key(3));
    expect(a[0]).toBe(100);
    expect(a.every((t) => Number.isInteger(t) && t >= 0 && t < 1000)).toBe(true);
    expect(unigrpoTimesteps(100, 6, 1000, 'random', key(3))).toEqual(a);
    expect(unigrpoTimesteps(100, 6, 1000, 'random', key(4))).not.toEqual(a);
    expect(() => unigrpoTimesteps(100, 3, 1000, 'random')).toThrow(/key/);
  });

  it('drawT1: ⌊u·T⌋, and IGPO’s randint(30, T−1)', () => {
    const ts = Array.from({ length: 200 }, (_, i) => drawT1(key(i), 1000));
    expect(ts.every((t) => Number.isInteger(t) && t >= 0 && t < 1000)).toBe(true);
    expect(new Set(ts).size).toBeGreaterThan(150);
    const ig = Array.from({ length: 200 }, (_, i) => drawT1(key(i), 256, 'igpo'));
    expect(Math.min(...ig)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...ig)).toBeLessThanOrEqual(254);
  });
});

describe('unigrpoEstimator', () => {
  it('masks exactly max(1, round(|o|·t_n/T)) completion tokens, the prompt intact, ℓ = ln(W[y]/20) there', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const est = unigrpoEstimator({ mu: 2, t1: 400 }); // stratified: t = 400, 900
    expect(est.forwardPasses(batch)).toBe(2);
    const before = memory();
    // |o| = 4 and 3: iteration 0 masks round(1.6) = 2 and round(1.2) = 1; iteration 1 round(3.6) = 4, round(2.7) = 3.
    for (const [iteration, counts] of [[0, [2, 1]], [1, [4, 3]]] as const) {
      const e = await est.estimate(tablePredictor(table), batch, { iteration, key: rolloutKey(1, 0) });
      const r = await read(e);
      for (let b = 0; b < 2; b++) {
        expect(r.mask[b]!.reduce((a, v) => a + v, 0)).toBe(counts[b]);
        let total = 0;
        for (let i = 0; i < L; i++) {
          if (r.mask[b]![i]) {
            expect(COMPLETION[b]![i]).toBe(1);
            expect(r.noisy![b]![i]).toBe(MASK);
            expect(r.logp[b]![i]).toBeCloseTo(Math.log(W[IDS[b]![i]!]! / 20), 5);
            total += r.logp[b]![i]!;
          } else {
            expect(r.noisy![b]![i]).toBe(IDS[b]![i]);
            expect(r.logp[b]![i]).toBe(0);
          }
        }
        expect(r.seq![b]).toBeCloseTo(total / counts[b]!, 5); // Eq. 4: the mean over masked tokens
      }
      dispose(e);
    }
    expect(memory()).toEqual(before);
    dispose(table);
    freeBatch(batch);
  });

  it('scores the masked input it built (a context-dependent predictor sees the masked count)', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const e = await unigrpoEstimator({ mu: 2, t1: 400 }).estimate(countingPredictor(table), batch, { iteration: 1, key: rolloutKey(1, 0) });
    const r = await read(e);
    for (let b = 0; b < 2; b++) {
      const k = maskCount(r.noisy![b]!);
      for (let i = 0; i < L; i++) if (r.mask[b]![i]) expect(r.logp[b]![i]).toBeCloseTo(countingLogp(IDS[b]![i]!, k), 5);
    }
    dispose([e, table]);
    freeBatch(batch);
  });

  it('keys masks by (key, iteration, sample): reproducible, and they follow a row whatever its position', async () => {
    const table = toyTable();
    const long = Array.from({ length: 12 }, (_, i) => (i < 2 ? 1 : i % 5));
    const comp = long.map((_, i) => (i < 2 ? 0 : 1));
    const other = long.map((v) => (v + 1) % 5);
    const est = unigrpoEstimator({ mu: 4, t1: 300 });
    const run = async (b: RolloutBatch, iteration: number, seed: number) => {
      const e = await est.estimate(tablePredictor(table), b, { iteration, key: rolloutKey(seed, 5) });
      const m = await rowsOf(e.mask);
      dispose(e);
      return m;
    };
    const ab = makeBatch([long, other], [comp, comp], [2, 2]);
    const ba = makeBatch([other, long], [comp, comp], [2, 2], { sampleIds: [1, 0] });
    const first = await run(ab, 0, 9);
    expect(await run(ab, 0, 9)).toEqual(first);
    const swapped = await run(ba, 0, 9);
    expect(swapped[0]).toEqual(first[1]);
    expect(swapped[1]).toEqual(first[0]);
    // 3 of 10 tokens masked at iteration 0: another seed picks another set
    const seeds = await Promise.all([10, 11, 12].map((s) => run(ab, 0, s)));
    expect(seeds.some((m) => JSON.stringify(m) !== JSON.stringify(first))).toBe(true);
    dispose(table);
    freeBatch(ab);
    freeBatch(ba);
  });

  it('draws one t₁ per prompt: rows with the same group id mask the same number of tokens', async () => {
    const table = toyTable();
    const row = Array.from({ length: 22 }, (_, i) => i % 5);
    const comp = row.map((_, i) => (i < 2 ? 0 : 1));
    const same = makeBatch([row, row], [comp, comp], [2, 2], { groupIds: [7, 7] });
    const apart = makeBatch([row, row], [comp, comp], [2, 2], { groupIds: [0, 1] });
    const est = unigrpoEstimator({ mu: 3 });
    let differ = 0;
    for (let s = 0; s < 8; s++) {
      for (const [b, check] of [[same, true], [apart, false]] as const) {
        const e = await est.estimate(tablePredictor(table), b, { iteration: 0, key: rolloutKey(s, 0) });
        const sums = (await rowsOf(e.mask)).map((r) => r.reduce((a, v) => a + v, 0));
        if (check) expect(sums[0]).toBe(sums[1]);
        else if (sums[0] !== sums[1]) differ++;
        dispose(e);
      }
    }
    expect(differ).toBeGreaterThan(0);
    dispose(table);
    freeBatch(same);
    freeBatch(apart);
  });
});

describe('d1Estimator', () => {
  it('masks the whole generated part, scores every completion token, and masks prompt tokens with p', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const ctx = { iteration: 0, key: rolloutKey(0, 0) };
    const before = memory();
    for (const p of [0, 1]) {
      const e = await d1Estimator({ pMaskPrompt: p }).estimate(tablePredictor(table), batch, ctx);
      const r = await read(e);
      for (let b = 0; b < 2; b++) {
        expect(r.mask[b]).toEqual(COMPLETION[b]);
        for (let i = 0; i < L; i++) {
          const inPrompt = i < PROMPT[b]!;
          expect(r.noisy![b]![i]).toBe(inPrompt && p === 0 ? IDS[b]![i] : MASK);
          expect(r.logp[b]![i]).toBeCloseTo(COMPLETION[b]![i] ? Math.log(W[IDS[b]![i]!]! / 20) : 0, 5);
        }
      }
      dispose(e);
    }
    expect(memory()).toEqual(before);
    dispose(table);
    freeBatch(batch);
  });

  it('masks about pMaskPrompt of the prompt, the same mask for the same (key, iteration), a new one per iteration', async () => {
    const table = toyTable();
    const n = 400;
    const row = Array.from({ length: n + 4 }, (_, i) => i % 5);
    const comp = row.map((_, i) => (i >= n ? 1 : 0));
    const batch = makeBatch([row], [comp], [n]);
    const est = d1Estimator(); // 0.15
    const noisyAt = async (iteration: number) => {
      const e = await est.estimate(countingPredictor(table), batch, { iteration, key: rolloutKey(3, 2) });
      const r = await read(e);
      dispose(e);
      return r;
    };
    const a = await noisyAt(0);
    const frac = maskCount(a.noisy![0]!.slice(0, n)) / n;
    expect(frac).toBeGreaterThan(0.1);
    expect(frac).toBeLessThan(0.2);
    expect((await noisyAt(0)).noisy).toEqual(a.noisy);
    expect((await noisyAt(1)).noisy).not.toEqual(a.noisy);
    // the counting predictor sees the masked prompt tokens too
    const k = maskCount(a.noisy![0]!);
    for (let i = n; i < n + 4; i++) expect(a.logp[0]![i]).toBeCloseTo(countingLogp(row[i]!, k), 5);
    dispose(table);
    freeBatch(batch);
  });

  it('gives the predictor’s parameters the gradient Σ_t (onehot(y_t) − softmax) on the MASK row only', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const { grads, value } = await valueAndGrad(async (w: Tensor) => {
      const e = await d1Estimator().estimate(tablePredictor(w), batch, { iteration: 0, key: rolloutKey(0, 0) });
      return sum(e.tokenLogp);
    })(table);
    const g = await rowsOf(grads);
    const targets = IDS.flatMap((r, b) => r.filter((_, i) => COMPLETION[b]![i]));
    for (let r = 0; r < V; r++) {
      for (let v = 0; v < V; v++) {
        const want = r === MASK ? targets.reduce((a, y) => a + (y === v ? 1 : 0) - W[v]! / 20, 0) : 0;
        expect(g[r]![v]).toBeCloseTo(want, 5);
      }
    }
    dispose([grads, value, table]);
    freeBatch(batch);
  });
});

describe('coupledEstimator', () => {
  it('copy 0 masks the whole generated part; copies 1 and 2 are complementary; every completion token is scored once', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const est = coupledEstimator();
    expect(est.forwardPasses(batch)).toBe(6);
    const before = memory();
    const e = await est.estimate(countingPredictor(table), batch, { iteration: 0, key: rolloutKey(2, 1) });
    const r = await read(e);
    expect(e.noisy!.shape).toEqual([6, L]);
    let w1 = 0;
    let w2 = 0;
    for (let b = 0; b < 2; b++) {
      const [c0, c1, c2] = [r.noisy![b]!, r.noisy![2 + b]!, r.noisy![4 + b]!];
      const [k0, k1, k2] = [maskCount(c0), maskCount(c1), maskCount(c2)];
      expect(r.mask[b]).toEqual(COMPLETION[b]);
      for (let i = 0; i < L; i++) {
        const generated = i >= PROMPT[b]!;
        expect(c0[i]).toBe(generated ? MASK : IDS[b]![i]);
        // exactly one of copies 1 and 2 masks each generated position; neither touches the prompt
        const m1 = c1[i] === MASK;
        const m2 = c2[i] === MASK;
        expect(m1 !== m2).toBe(generated);
        if (!generated) expect([c1[i], c2[i]]).toEqual([IDS[b]![i], IDS[b]![i]]);
        if (!COMPLETION[b]![i]) {
          expect(r.logp[b]![i]).toBe(0);
          continue;
        }
        const w = r.weights![b]![i]!;
        if (m1) w1 = w;
        else w2 = w;
        const y = IDS[b]![i]!;
        // ℓ = (ℓ₀ + w·ℓ_pair) / 2, ℓ_pair from the copy that masks the token
        expect(r.logp[b]![i]).toBeCloseTo((countingLogp(y, k0) + w * countingLogp(y, m1 ? k1 : k2)) / 2, 4);
      }
    }
    // w = 1/t in copy 1 and 1/(1−t) in copy 2 with one t ∈ [0.2, 0.8] for the call
    if (w1 && w2) expect(1 / w1 + 1 / w2).toBeCloseTo(1, 5);
    const t = w1 ? 1 / w1 : 1 - 1 / w2;
    expect(t).toBeGreaterThanOrEqual(0.2);
    expect(t).toBeLessThanOrEqual(0.8);
    dispose(e);
    expect(memory()).toEqual(before);
    // reproducible
    const again = await est.estimate(countingPredictor(table), batch, { iteration: 0, key: rolloutKey(2, 1) });
    expect(await rowsOf(again.noisy!)).toEqual(r.noisy);
    dispose([again, table]);
    freeBatch(batch);
  });

  it('gives the MASK row the gradient Σ_t (1 + w_t)/2 · (onehot(y_t) − softmax)', async () => {
    const table = toyTable();
    const batch = makeBatch();
    let weights: number[][] = [];
    const { grads, value } = await valueAndGrad(async (w: Tensor) => {
      const e = await coupledEstimator().estimate(tablePredictor(w), batch, { iteration: 3, key: rolloutKey(5, 5) });
      weights = await rowsOf(e.weights!);
      return sum(e.tokenLogp);
    })(table);
    const g = await rowsOf(grads);
    for (let v = 0; v < V; v++) {
      let want = 0;
      IDS.forEach((row, b) => row.forEach((y, i) => {
        if (COMPLETION[b]![i]) want += ((1 + weights[b]![i]!) / 2) * ((y === v ? 1 : 0) - W[v]! / 20);
      }));
      expect(g[MASK]![v]).toBeCloseTo(want, 4);
    }
    dispose([grads, value, table]);
    freeBatch(batch);
  });
});

describe('randomMaskingEstimator', () => {
  it('scores copies·B rows: completion tokens masked with prob t, EOS padding always masked, the prompt never', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const est = randomMaskingEstimator({ copies: 2 });
    expect(est.forwardPasses(batch)).toBe(4);
    const before = memory();
    const e = await est.estimate(countingPredictor(table), batch, { iteration: 1, key: rolloutKey(4, 4) });
    expect(e.copies).toBe(2);
    expect(e.tokenLogp.shape).toEqual([4, L]);
    const r = await read(e);
    for (let row = 0; row < 4; row++) {
      const b = row % 2;
      const noisy = r.noisy![row]!;
      const k = maskCount(noisy);
      let total = 0;
      let n = 0;
      for (let i = 0; i < L; i++) {
        if (i < PROMPT[b]!) expect(noisy[i]).toBe(IDS[b]![i]);
        else if (!COMPLETION[b]![i]) expect(noisy[i]).toBe(MASK);
        const scored = COMPLETION[b]![i] === 1 && noisy[i] === MASK;
        expect(r.mask[row]![i]).toBe(scored ? 1 : 0);
        if (scored) {
          expect(r.logp[row]![i]).toBeCloseTo(countingLogp(IDS[b]![i]!, k), 5);
          total += r.logp[row]![i]!;
          n++;
        } else expect(r.logp[row]![i]).toBe(0);
      }
      expect(r.seq![row]).toBeCloseTo(n ? total / n : 0, 5);
    }
    // the loss takes the [B] advantages for the 2B rows
    const adv = tensor([1, -1], [2]);
    const loss = grpoLoss({ logp: e.tokenLogp, mask: e.mask, advantages: adv });
    expect(Number.isFinite(await loss.loss.item())).toBe(true);
    dispose([e, adv, loss]);
    expect(memory()).toEqual(before);
    dispose(table);
    freeBatch(batch);
  });

  it('draws t ∈ [0.1, 0.9] per copy: masked fractions of a long completion stay inside and the copies differ', async () => {
    const table = toyTable();
    const n = 300;
    const row = Array.from({ length: n + 2 }, (_, i) => i % 5);
    const comp = row.map((_, i) => (i >= 2 ? 1 : 0));
    const batch = makeBatch([row], [comp], [2]);
    const e = await randomMaskingEstimator({ copies: 3 }).estimate(tablePredictor(table), batch, { iteration: 0, key: rolloutKey(8, 0) });
    const masks = await rowsOf(e.mask);
    const fracs = masks.map((m) => m.reduce((a, v) => a + v, 0) / n);
    for (const f of fracs) {
      expect(f).toBeGreaterThan(0.05);
      expect(f).toBeLessThan(0.95);
    }
    expect(new Set(masks.map((m) => m.join(''))).size).toBe(3);
    dispose([e, table]);
    freeBatch(batch);
  });
});

describe('lladaMcEstimator', () => {
  it('gives the exact log-likelihood for a context-free predictor, repeated at every completion token', async () => {
    const table = toyTable();
    // completions of identical tokens (3: ln(4/20) each), 3 and 2 long
    const rows = [[1, 2, 3, 3, 3, 0, 0, 0], [2, 2, 2, 2, 3, 3, 1, 1]];
    const comp = [[0, 0, 1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1, 0, 0]];
    const batch = makeBatch(rows, comp, [2, 4]);
    const est = lladaMcEstimator({ mcNum: 4, batchSize: 2 });
    expect(est.forwardPasses(batch)).toBe(8);
    const before = memory();
    const e = await est.estimate(tablePredictor(table), batch, { iteration: 0, key: rolloutKey(0, 0) });
    const r = await read(e);
    const want = [3 * Math.log(0.2), 2 * Math.log(0.2)];
    r.seq!.forEach((s, b) => expect(s).toBeCloseTo(want[b]!, 4));
    for (let b = 0; b < 2; b++) for (let i = 0; i < L; i++) expect(r.logp[b]![i]).toBeCloseTo(comp[b]![i] ? want[b]! : 0, 4);
    expect(r.mask).toEqual(comp);
    dispose(e);
    expect(memory()).toEqual(before);

    // the ELBO's gradient: Σ over the answer of (onehot(y) − softmax), on the MASK row
    const { grads, value } = await valueAndGrad(async (w: Tensor) => {
      const x = await est.estimate(tablePredictor(w), batch, { iteration: 0, key: rolloutKey(0, 0) });
      return sum(x.sequenceLogp!);
    })(table);
    const g = await rowsOf(grads);
    for (let v = 0; v < V; v++) expect(g[MASK]![v]).toBeCloseTo(5 * ((v === 3 ? 1 : 0) - W[v]! / 20), 4);
    dispose([grads, value, table]);
    freeBatch(batch);
  });

  it('leaves the prompt’s pad positions out of the sequence it scores; rejects a completion not right after the prompt', async () => {
    const table = toyTable();
    const lengths: number[] = [];
    const recording: MaskPredictor = (ids) => {
      lengths.push(ids.shape[1]!);
      return tablePredictor(table)(ids);
    };
    const padMask = tensor([[0, 0, 1, 1, 1, 1, 0, 0]], [1, L], 'i32');
    const batch = makeBatch([[0, 0, 1, 2, 3, 3, 0, 0]], [[0, 0, 0, 0, 1, 1, 0, 0]], [4], { padMask });
    const e = await lladaMcEstimator({ mcNum: 2, batchSize: 2 }).estimate(recording, batch, { iteration: 0, key: rolloutKey(0, 0) });
    expect(lengths).toEqual([4]); // 2 real prompt tokens + 2 completion tokens
    dispose(e);
    // an empty completion (a row taken out of the loss) scores 0 without a forward pass
    lengths.length = 0;
    const empty = makeBatch([[1, 2, 3, 3, 0, 0, 0, 0], [1, 2, 3, 3, 0, 0, 0, 0]], [[0, 0, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]], [2, 2]);
    const x = await lladaMcEstimator({ mcNum: 2 }).estimate(recording, empty, { iteration: 0, key: rolloutKey(0, 0) });
    expect(lengths).toEqual([4]);
    expect(Array.from(await x.sequenceLogp!.data())[1]).toBe(0);
    dispose(x);
    freeBatch(empty);
    const gap = makeBatch([[1, 2, 3, 3, 3, 0, 0, 0]], [[0, 0, 0, 1, 1, 0, 0, 0]], [2]);
    await expect(lladaMcEstimator({ mcNum: 2 }).estimate(recording, gap, { iteration: 0, key: rolloutKey(0, 0) })).rejects.toThrow(/prompt length/);
    dispose(table);
    freeBatch(batch);
    freeBatch(gap);
  });
});

describe('estimators under the objective', () => {
  it('UniGRPO + grpoLoss: the gradient reaching the model is −(1/B)·Σ_b A_b/n_b·Σ_masked (onehot − softmax)', async () => {
    const table = toyTable();
    const batch = makeBatch();
    const est = unigrpoEstimator({ mu: 2, t1: 400 });
    const ctx = { iteration: 1, key: rolloutKey(1, 0) };
    const adv = tensor([0.7, -1.2], [2]);
    let mask: number[][] = [];
    const { grads, value } = await valueAndGrad(async (w: Tensor) => {
      const e = await est.estimate(tablePredictor(w), batch, ctx);
      mask = await rowsOf(e.mask);
      // μ = 1: ℓ_old = stopgrad(ℓ) — the same masked input scored by the (frozen) old policy
      const old = stopGradient(e.tokenLogp);
      return grpoLoss({ logp: e.tokenLogp, oldLogp: old, mask: e.mask, advantages: adv }).loss;
    })(table);
    expect(await value.item()).toBeCloseTo(0.25, 5); // −mean(A) at ρ = 1
    const g = await rowsOf(grads);
    const A = [0.7, -1.2];
    for (let v = 0; v < V; v++) {
      let want = 0;
      mask.forEach((m, b) => {
        const n = m.reduce((a, x) => a + x, 0);
        m.forEach((x, i) => {
          if (x) want += (-A[b]! / (2 * n)) * ((IDS[b]![i] === v ? 1 : 0) - W[v]! / 20);
        });
      });
      expect(g[MASK]![v]).toBeCloseTo(want, 5);
    }
    dispose([grads, value, adv, table]);
    freeBatch(batch);
  });

  it('createEstimator builds each estimator by name', () => {
    expect(createEstimator({ name: 'unigrpo', mu: 4 }).name).toBe('unigrpo');
    expect(createEstimator({ name: 'd1' }).name).toBe('d1');
    expect(createEstimator({ name: 'coupled' }).passesPerSample).toBe(3);
    expect(createEstimator({ name: 'random-masking', copies: 3 }).passesPerSample).toBe(3);
    expect(createEstimator({ name: 'llada-mc', mcNum: 32 }).passesPerSample).toBe(32);
    expect(() => createEstimator({ name: 'llada-mc', mcNum: 24, batchSize: 16 })).toThrow(/multiple/);
    expect(key(0)).toBeDefined();
  });
});
