import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory, tensor } from '@mmada/tensor';
import { initTestDevice } from '../../../tests/support/devices.js';
import { maskedDiffusionLoss, mixedBatchLoss, pretrainingLoss, sftLoss, t2iLoss } from '../src/index.js';

/*
 * The 2×4 example, V = 4. A position whose target logit is a (others 0) has CE = ln(e^a + 3) − a:
 *   a = ln 3 → CE = ln 6 − ln 3 = ln 2 (call it c1);   a = 0 → CE = ln 4 = 2·ln 2 (c2).
 *
 *   targets  row0 = [0, 1, 2, 3]          row1 = [3, 2, 1, 0]
 *   CE       row0 = [c2, c2, c1, c2]      row1 = [c1, c1, c2, c2]
 *   prompt   row0 = [T, T, F, F]          row1 = [T, F, F, F]
 *   masked   row0 = [F, F, T, T]          row1 = [F, T, F, T]
 *   p        row0 = 0.5                   row1 = 0.25
 *
 * Σ_masked CE/p:  row0 = (c1 + c2)/0.5 = 3 ln2 / 0.5 = 6 ln2;   row1 = (c1 + c2)/0.25 = 12 ln2.
 * - pretraining (B·L = 8):               (6 + 12) ln2 / 8          = 2.25 ln2
 * - SFT per row (A = 2, 3):              ½·(6/2 + 12/3) ln2        = 3.5 ln2
 * - d1 batch (8 − 3 prompt tokens):      18 ln2 / 5                = 3.6 ln2
 * - t2i mean CE over the 4 masked:       (c1 + c2 + c1 + c2) / 4   = 1.5 ln2
 * - mixed, row0 = t2i, row1 = lm:        1·(c1 + c2)/2 + 0.1·(12 ln2 / 4) = 1.5 ln2 + 0.3 ln2 = 1.8 ln2
 */
const LN2 = Math.log(2);
const A1 = Math.log(3);
const targetRows = [[0, 1, 2, 3], [3, 2, 1, 0]];
const targetLogit = [[0, 0, A1, 0], [A1, A1, 0, 0]];

function example() {
  const logitsData: number[] = [];
  targetRows.forEach((row, b) => row.forEach((t, i) => {
    for (let v = 0; v < 4; v++) logitsData.push(v === t ? targetLogit[b]![i]! : 0);
  }));
  return {
    logits: tensor(logitsData, [2, 4, 4]),
    targets: tensor(targetRows, [2, 4], 'i32'),
    promptMask: tensor([[1, 1, 0, 0], [1, 0, 0, 0]], [2, 4], 'bool'),
    masked: tensor([[0, 0, 1, 1], [0, 1, 0, 1]], [2, 4], 'bool'),
    p: tensor([0.5, 0.25], [2]),
  };
}

beforeAll(async () => {
  await initTestDevice();
});

describe('loss normalisations on the 2×4 example', () => {
  it('pretraining: Σ CE/p over masked / (B·L)', async () => {
    const ex = example();
    const r = pretrainingLoss(ex);
    expect(await r.loss.item()).toBeCloseTo(2.25 * LN2, 5);
    expect(Array.from(await r.perRow.data()).map((v) => v / LN2)).toEqual([expect.closeTo(6, 5), expect.closeTo(12, 5)]);
    const perToken = Array.from(await r.perToken.data()).map((v) => +(v / LN2).toFixed(4));
    expect(perToken).toEqual([0, 0, 2, 4, 0, 4, 0, 8]);
    dispose([ex, r]);
  });

  it('SFT: per-row answer length (A_b clamped ≥ 1), and d1’s batch-level normaliser', async () => {
    const ex = example();
    const row = sftLoss(ex);
    expect(await row.loss.item()).toBeCloseTo(3.5 * LN2, 5);
    expect(Array.from(await row.normalizer.data())).toEqual([2, 3]);
    const d1 = sftLoss(ex, { normalizer: 'nonPromptTokens' });
    expect(await d1.loss.item()).toBeCloseTo(3.6 * LN2, 5);
    // An all-prompt row has A = 0, clamped to 1; answerLength overrides the count.
    const given = maskedDiffusionLoss({ ...ex, answerLength: tensor([0, 6], [2], 'i32') }, 'answerLengthPerRow');
    expect(await given.loss.item()).toBeCloseTo(0.5 * (6 / 1 + 12 / 6) * LN2, 5);
    expect(() => sftLoss({ logits: ex.logits, targets: ex.targets, masked: ex.masked, p: ex.p })).toThrow(/promptMask/);
    dispose([ex, row, d1, given]);
  });

  it('t2i: mean CE over labelled positions, no 1/t weighting', async () => {
    const ex = example();
    const r = t2iLoss({ logits: ex.logits, targets: ex.targets, lossMask: ex.masked });
    expect(await r.loss.item()).toBeCloseTo(1.5 * LN2, 5);
    expect(await r.count.item()).toBe(4);
    dispose([ex, r]);
  });

  it('mixed batch: c_t2i·L_t2i + c_lm·L_lm over one forward pass', async () => {
    const ex = example();
    const before = memory();
    const t2iTargets = tensor([targetRows[0]!], [1, 4], 'i32');
    const lmTargets = tensor([targetRows[1]!], [1, 4], 'i32');
    const t2iMask = tensor([[0, 0, 1, 1]], [1, 4], 'bool');
    const lmMask = tensor([[0, 1, 0, 1]], [1, 4], 'bool');
    const lmP = tensor([0.25], [1]);
    const r = mixedBatchLoss(ex.logits, {
      t2i: { targets: t2iTargets, lossMask: t2iMask },
      lm: { targets: lmTargets, masked: lmMask, p: lmP },
    }, { t2i: 1, lm: 0.1 });
    expect(await r.loss.item()).toBeCloseTo(1.8 * LN2, 5);
    expect(await r.t2i!.loss.item()).toBeCloseTo(1.5 * LN2, 5);
    expect(await r.lm!.loss.item()).toBeCloseTo(3 * LN2, 5);
    dispose([r, t2iTargets, lmTargets, t2iMask, lmMask, lmP]);
    expect(memory()).toEqual(before);
    expect(() => mixedBatchLoss(ex.logits, { t2i: { targets: ex.targets, lossMask: ex.masked }, lm: { targets: ex.targets, masked: ex.masked, p: ex.p } })).toThrow(/rows/);
    dispose(ex);
  });
});
