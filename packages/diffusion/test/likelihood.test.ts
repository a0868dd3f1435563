import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, key, memory, tensor, zeros, type Tensor } from '@mmada/tensor';
import { initTestDevice } from '../../../tests/support/devices.js';
import { d1LogLikelihood, maskedAnswerLogLikelihood, monteCarloLogLikelihood, monteCarloMaskCounts, type MaskPredictor } from '../src/index.js';
import { fixedTablePredictor } from './toy-predictors.js';

const V = 8;
const MASK = 7;

beforeAll(async () => {
  await initTestDevice();
});

/** Uniform logits: CE = ln V at every position. Records the masked count of every row it sees. */
function uniformRecorder(seen: number[][]): MaskPredictor {
  return async (ids: Tensor) => {
    const rows = (await ids.array()) as number[][];
    seen.push(rows.map((r) => r.filter((t) => t === MASK).length));
    for (const r of rows) seen.push(r.slice(0, 3)); // the prompt, checked below
    return zeros([ids.shape[0]!, ids.shape[1]!, V]);
  };
}

describe('monteCarloMaskCounts', () => {
  it('evenly spaced counts from linspace, rounded half to even, wrapped into 1..L', () => {
    // L = 10, bsz = 4, k = 3: linspace(3, 10.5, 4) = [3, 5.5, 8, 10.5] → round-half-even [3, 6, 8, 10].
    expect(monteCarloMaskCounts(3, 10, 4)).toEqual([3, 6, 8, 10]);
    // k = 4: [4, 6.5, 9, 11.5] → [4, 6, 9, 12] → 12 wraps to ((12 − 1) mod 10) + 1 = 2.
    expect(monteCarloMaskCounts(4, 10, 4)).toEqual([4, 6, 9, 2]);
    expect(monteCarloMaskCounts(5, 7, 1)).toEqual([5]);
    expect(monteCarloMaskCounts(1, 1, 16)).toEqual(new Array(16).fill(1));
  });
});

describe('monteCarloLogLikelihood', () => {
  it('masks exactly l_i answer tokens per row, never the prompt, and weights by L/l_i', async () => {
    const seen: number[][] = [];
    const prompt = tensor([1, 2, 3], [3], 'i32');
    const answer = tensor([4, 5, 6, 4, 5, 6, 4, 5, 6, 4], [10], 'i32');
    const before = memory();
    const r = await monteCarloLogLikelihood(uniformRecorder(seen), prompt, answer, { mcNum: 8, batchSize: 4, key: key(3), maskId: MASK });
    expect(r.maskCounts.length).toBe(2);
    const perCall = 1 + 4;
    for (let it = 0; it < 2; it++) {
      expect(seen[it * perCall]).toEqual(r.maskCounts[it]);
      for (let row = 1; row <= 4; row++) expect(seen[it * perCall + row]).toEqual([1, 2, 3]);
      const k = r.maskCounts[it]![0]!;
      expect(r.maskCounts[it]).toEqual(monteCarloMaskCounts(k, 10, 4));
    }
    // Uniform logits: every iteration's loss is Σ_rows l_i·ln V·(L/l_i)/bsz = L·ln V, so the ELBO is −L·ln V.
    expect(await r.elbo.item()).toBeCloseTo(-10 * Math.log(V), 4);
    expect(Array.from(await r.iterationLosses.data())).toEqual([expect.closeTo(10 * Math.log(V), 4), expect.closeTo(10 * Math.log(V), 4)]);
    dispose(r);
    expect(memory()).toEqual(before);
    const cfg = await monteCarloLogLikelihood(uniformRecorder([]), prompt, answer, { mcNum: 4, batchSize: 4, cfgScale: 0.5, maskId: MASK });
    expect(await cfg.elbo.item()).toBeCloseTo(-10 * Math.log(V), 4);
    dispose([cfg, prompt, answer]);
  });

  it('requires mcNum ≥ batchSize and divisible by it (Quirk 8)', async () => {
    const prompt = tensor([1], [1], 'i32');
    const answer = tensor([2, 3], [2], 'i32');
    const p = uniformRecorder([]);
    await expect(monteCarloLogLikelihood(p, prompt, answer, { mcNum: 4, batchSize: 8, maskId: MASK })).rejects.toThrow(/at least batchSize/);
    await expect(monteCarloLogLikelihood(p, prompt, answer, { mcNum: 12, batchSize: 8, maskId: MASK })).rejects.toThrow(/multiple/);
    dispose([prompt, answer]);
  });
});

describe('maskedAnswerLogLikelihood (UniGRPO)', () => {
  it('masks max(1, round(|o|·ratio)) answer tokens and returns ℓ there and its mean', async () => {
    // Every position favours token 3 with margin 2: ℓ(3) = 2 − ln(e² + 7), ℓ(other) = −ln(e² + 7).
    const predictor = fixedTablePredictor(new Array(8).fill(3), V, new Array(8).fill(2));
    const ids = tensor([[1, 1, 3, 3, 3, 3, 3, 0], [1, 1, 1, 1, 3, 3, 0, 0]], [2, 8], 'i32');
    const answerMask = tensor([[0, 0, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]], [2, 8], 'bool');
    const r = await maskedAnswerLogLikelihood(predictor, ids, { answerMask, maskRatio: 0.5, key: key(4), maskId: MASK });
    const masked = Array.from(await r.masked.data());
    expect(masked.slice(0, 8).filter(Boolean).length).toBe(3); // round(6·0.5)
    expect(masked.slice(8).filter(Boolean).length).toBe(2); // round(4·0.5)
    expect(masked.slice(0, 2).concat(masked.slice(8, 12)).every((m) => !m)).toBe(true);
    const z = Math.log(Math.exp(2) + 7);
    const lp = Array.from(await r.tokenLogProbs.data());
    const idv = Array.from(await ids.data());
    lp.forEach((v, i) => expect(v).toBeCloseTo(masked[i] ? (idv[i] === 3 ? 2 - z : -z) : 0, 5));
    const seq = Array.from(await r.sequenceLogProb.data());
    for (let b = 0; b < 2; b++) {
      const sel = lp.slice(b * 8, b * 8 + 8).filter((_, i) => masked[b * 8 + i]);
      expect(seq[b]).toBeCloseTo(sel.reduce((a, c) => a + c, 0) / sel.length, 5);
    }
    // Reusing the masks gives the same values (π_θ, π_old and π_ref see one input).
    const again = await maskedAnswerLogLikelihood(predictor, ids, { answerMask, masked: r.masked, maskId: MASK });
    expect(Array.from(await again.tokenLogProbs.data())).toEqual(lp);
    const tiny = await maskedAnswerLogLikelihood(predictor, ids, { answerMask, maskRatio: 0.01, maskId: MASK });
    expect(Array.from(await tiny.masked.data()).filter(Boolean).length).toBe(2); // at least one per row
    dispose([ids, answerMask, r, again, tiny]);
  });
});

describe('d1LogLikelihood', () => {
  it('masks the whole completion, the prompt with probability p, and reads ℓ at completion tokens', async () => {
    const predictor = fixedTablePredictor(new Array(6).fill(3), V, new Array(6).fill(2));
    const ids = tensor([[1, 2, 3, 3, 4, 3]], [1, 6], 'i32');
    const promptMask = tensor([[1, 1, 1, 0, 0, 0]], [1, 6], 'bool');
    const none = await d1LogLikelihood(predictor, ids, { promptMask, pMaskPrompt: 0, maskId: MASK });
    expect(Array.from(await none.noisy.data())).toEqual([1, 2, 3, MASK, MASK, MASK]);
    const z = Math.log(Math.exp(2) + 7);
    Array.from(await none.tokenLogProbs.data()).forEach((v, i) => expect(v).toBeCloseTo([0, 0, 0, 2 - z, -z, 2 - z][i]!, 5));
    const all = await d1LogLikelihood(predictor, ids, { promptMask, pMaskPrompt: 1, maskId: MASK });
    expect(Array.from(await all.noisy.data())).toEqual(new Array(6).fill(MASK));
    expect(Array.from(await all.masked.data()).every(Boolean)).toBe(true);
    dispose([ids, promptMask, none, all]);
  });
});
