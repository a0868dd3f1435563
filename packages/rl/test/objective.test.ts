import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, memory, tensor, type Tensor } from '@mmada/tensor';
import { valueAndGrad } from '@mmada/autograd';
import { initTestDevice } from '../../../tests/support/devices.js';
import { groupAdvantages, groupAdvantagesTensor, grpoLoss, readLossMetrics, type GrpoLossOptions, type LossType } from '../src/index.js';

beforeAll(async () => {
  await initTestDevice();
});

const EPS = 1e-4;

describe('groupAdvantages', () => {
  it('z-scores each group with the unbiased std: [1, 0, 0, 1]', () => {
    // mean 0.5, deviations ±0.5, unbiased variance 4·0.25/3 = 1/3, std = 0.577350 → A = ±0.5/(0.577350 + 1e-4)
    const { advantages, zeroStdFraction, kept } = groupAdvantages([1, 0, 0, 1], 4);
    const a = 0.5 / (Math.sqrt(1 / 3) + EPS);
    expect(a).toBeCloseTo(0.865876, 5);
    advantages.forEach((v, i) => expect(v).toBeCloseTo([a, -a, -a, a][i]!, 10));
    expect(zeroStdFraction).toBe(0);
    expect(kept).toEqual([true, true, true, true]);
  });

  it('gives 0 to a group whose rewards agree and counts it in zeroStdFraction', () => {
    const { advantages, zeroStdFraction } = groupAdvantages([1, 0, 0, 1, 2, 2, 2, 2], 4);
    expect(advantages.slice(4)).toEqual([0, 0, 0, 0]);
    expect(advantages[0]).toBeGreaterThan(0);
    expect(zeroStdFraction).toBe(0.5);
  });

  it("'none' only subtracts the group mean (d1)", () => {
    // groups (3, 1) and (5, 5, ...): means 2 and 5
    expect(groupAdvantages([3, 1, 5, 5], 2, { scaleRewards: 'none' }).advantages).toEqual([1, -1, 0, 0]);
  });

  it("'batch' divides by the whole batch's std, the baseline stays the group mean", () => {
    // [1, 0 | 3, 3]: batch mean 1.75, squared deviations 0.5625 + 3.0625 + 1.5625 + 1.5625 = 6.75, /3 = 2.25, std 1.5
    const { advantages } = groupAdvantages([1, 0, 3, 3], 2, { scaleRewards: 'batch' });
    [0.5 / 1.5001, -0.5 / 1.5001, 0, 0].forEach((v, i) => expect(advantages[i]).toBeCloseTo(v, 10));
  });

  it('leaveOneOut uses the mean of the other G−1 rows (RLOO)', () => {
    // [1, 0, 0, 1]: for a 1 the others average 1/3 → +2/3; for a 0 they average 2/3 → −2/3
    const none = groupAdvantages([1, 0, 0, 1], 4, { leaveOneOut: true, scaleRewards: 'none' }).advantages;
    [2 / 3, -2 / 3, -2 / 3, 2 / 3].forEach((v, i) => expect(none[i]).toBeCloseTo(v, 12));
    const scaled = groupAdvantages([1, 0, 0, 1], 4, { leaveOneOut: true }).advantages;
    expect(scaled[0]).toBeCloseTo(2 / 3 / (Math.sqrt(1 / 3) + EPS), 10);
    // a group with one valid row has no other row: advantage 0
    expect(groupAdvantages([5, Number.NaN], 2, { leaveOneOut: true }).advantages).toEqual([0, 0]);
  });

  it('a NaN row (every reward function abstained) gets 0 and stays out of the statistics', () => {
    // valid [1, 0, 1]: mean 2/3, variance (1/9 + 4/9 + 1/9)/2 = 1/3
    const { advantages } = groupAdvantages([1, Number.NaN, 0, 1], 4);
    const d = Math.sqrt(1 / 3) + EPS;
    [(1 / 3) / d, 0, (-2 / 3) / d, (1 / 3) / d].forEach((v, i) => expect(advantages[i]).toBeCloseTo(v, 10));
    expect(groupAdvantages([Number.NaN, Number.NaN], 2).advantages).toEqual([0, 0]);
  });

  it('filter drops groups with accuracy above max or below min (dLLM-RL 0.95 / 0.05)', () => {
    const rewards = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1];
    const r = groupAdvantages(rewards, 4, { filter: { minAccuracy: 0.05, maxAccuracy: 0.95 } });
    expect(r.kept).toEqual([false, false, false, false, false, false, false, false, true, true, true, true]);
    expect(r.advantages.slice(0, 8)).toEqual(new Array(8).fill(0));
    // group 3: mean 0.75, variance (3·0.0625 + 0.5625)/3 = 0.25, std 0.5
    [0.25 / 0.5001, -0.75 / 0.5001, 0.25 / 0.5001, 0.25 / 0.5001].forEach((v, i) => expect(r.advantages[8 + i]).toBeCloseTo(v, 10));
    expect(r.zeroStdFraction).toBeCloseTo(2 / 3, 12);
    // correctThreshold: with rewards 2.5 / 0.5 (MMaDA correctness + format), only 2.5 counts as correct
    const m = groupAdvantages([2.5, 2.5, 0.5, 0.5], 4, { filter: { maxAccuracy: 0.4, correctThreshold: 2 } });
    expect(m.kept).toEqual([false, false, false, false]);
    expect(groupAdvantages([2.5, 2.5, 0.5, 0.5], 4, { filter: { maxAccuracy: 0.5, correctThreshold: 2 } }).kept[0]).toBe(true);
  });

  it('rejects a batch that does not split into groups; the tensor variant holds the same values', async () => {
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/groups of 2/);
    const t = groupAdvantagesTensor([1, 0, 0, 1], 4);
    expect(t.advantages.shape).toEqual([4]);
    const data = Array.from(await t.advantages.data());
    groupAdvantages([1, 0, 0, 1], 4).advantages.forEach((v, i) => expect(data[i]).toBeCloseTo(v, 6));
    t.advantages.dispose();
  });
});

// The 2×3 example. Row 0 has two completion tokens, row 1 one or two; position 2 is never in the mask and holds
// garbage (±50) that must not reach the loss.
const mk = (rows: number[][]) => tensor(rows, [2, 3]);

async function lossOf(
  parts: { logp: number[][]; old?: number[][]; ref?: number[][]; mask: number[][]; adv: number[] },
  opts: GrpoLossOptions,
): Promise<{ loss: number; metrics: Awaited<ReturnType<typeof readLossMetrics>> }> {
  const logp = mk(parts.logp);
  const oldLogp = parts.old ? mk(parts.old) : undefined;
  const refLogp = parts.ref ? mk(parts.ref) : undefined;
  const mask = mk(parts.mask);
  const advantages = tensor(parts.adv, [parts.adv.length]);
  const r = grpoLoss({ logp, oldLogp, refLogp, mask, advantages }, opts);
  const out = { loss: await r.loss.item(), metrics: await readLossMetrics(r.metrics) };
  dispose([r, logp, oldLogp, refLogp, mask, advantages]);
  return out;
}

describe('grpoLoss', () => {
  it('normalises by lossType on a 2×3 example (ρ = 1: the token loss is −A)', async () => {
    // mask [[1,1,0],[1,0,0]], A = [1, −3]: token losses −1, −1 | +3.
    const base = { logp: [[-1, -2, 50], [-0.5, -1, -50]], mask: [[1, 1, 0], [1, 0, 0]], adv: [1, -3] };
    const cases: [LossType, GrpoLossOptions, number][] = [
      ['grpo', {}, (-1 + 3) / 2], // per-row means −1 and 3, then their mean
      ['bnpo', {}, (-1 - 1 + 3) / 3], // token mean over the batch
      ['dr_grpo', {}, (-1 - 1 + 3) / (2 * 3)], // ÷ B·L
      ['dr_grpo', { maxCompletionLength: 4 }, 1 / 8],
      ['dapo', {}, 1 / 3], // this batch's 3 active tokens
      ['dapo', { activeTokens: 10 }, 0.1], // the whole generation batch's
    ];
    for (const [lossType, extra, want] of cases) {
      const { loss, metrics } = await lossOf(base, { lossType, ...extra });
      expect(loss).toBeCloseTo(want, 6);
      expect(metrics.meanRatio).toBeCloseTo(1, 6);
      expect(metrics.clipRatioRegion).toBe(0);
      expect(metrics.kl).toBeUndefined();
    }
  });

  it('clips ρ to [1−ε, 1+ε_high], caps it at delta, and reports the clip fractions', async () => {
    // ρ = [1.5, 0.5 | 0.9, 0.7], A = [1, −3], ε = 0.2:
    //   1.5·1 → min(1.5, 1.2) = 1.2 (high-clipped);  0.5·1 → min(0.5, 0.8) = 0.5 (not clipped: A > 0)
    //   0.9·−3 = −2.7 (inside);  0.7·−3 = −2.1 vs 0.8·−3 = −2.4 → −2.4 (low-clipped)
    // token losses −1.2, −0.5 | 2.7, 2.4 → grpo: (−0.85 + 2.55)/2 = 0.85
    const old = [[0, 0, -50], [0, 0, 50]];
    const logp = [[Math.log(1.5), Math.log(0.5), 50], [Math.log(0.9), Math.log(0.7), -50]];
    const parts = { logp, old, mask: [[1, 1, 0], [1, 1, 0]], adv: [1, -3] };
    const r = await lossOf(parts, { epsilon: 0.2 });
    expect(r.loss).toBeCloseTo(0.85, 5);
    expect(r.metrics.clipRatioLow).toBeCloseTo(0.25, 6);
    expect(r.metrics.clipRatioHigh).toBeCloseTo(0.25, 6);
    expect(r.metrics.clipRatioRegion).toBeCloseTo(0.5, 6);
    expect(r.metrics.meanRatio).toBeCloseTo((1.5 + 0.5 + 0.9 + 0.7) / 4, 5);
    // ε_high 0.6: 1.5 is inside → −1.5; row 0 mean −1.0 → (−1 + 2.55)/2 = 0.775
    const high = await lossOf(parts, { epsilon: 0.2, epsilonHigh: 0.6 });
    expect(high.loss).toBeCloseTo(0.775, 5);
    expect(high.metrics.clipRatioHigh).toBe(0);
    // delta 1.3 caps the unclipped branch: min(1.3, 1.5) = 1.3 → row 0 mean −0.9 → (−0.9 + 2.55)/2 = 0.825
    expect((await lossOf(parts, { epsilon: 0.2, epsilonHigh: 0.6, delta: 1.3 })).loss).toBeCloseTo(0.825, 5);
  });

  it('adds β·k3 KL against the reference (or against π_old)', async () => {
    // ρ = 1, ℓ_ref − ℓ = [ln 2, 0 | −1]: k3 = e^d − d − 1 = [1 − ln 2, 0 | e^−1]
    const k = [1 - Math.log(2), 0, Math.exp(-1)];
    const parts = { logp: [[-1, -2, 9], [-0.5, -1, 9]], ref: [[-1 + Math.log(2), -2, -9], [-1.5, 0, 0]], mask: [[1, 1, 0], [1, 0, 0]], adv: [1, -3] };
    const r = await lossOf(parts, { beta: 0.1 });
    // grpo: row 0 mean(−1 + 0.1·k0, −1 + 0.1·k1), row 1 (3 + 0.1·k2)
    expect(r.loss).toBeCloseTo(((-1 + 0.1 * (k[0]! + k[1]!) / 2) + (3 + 0.1 * k[2]!)) / 2, 5);
    expect(r.metrics.kl).toBeCloseTo((k[0]! + k[1]! + k[2]!) / 3, 5);
    // β = 0 with a reference given: KL is logged, not added
    const logged = await lossOf(parts, { beta: 0 });
    expect(logged.loss).toBeCloseTo(1, 5);
    expect(logged.metrics.kl).toBeCloseTo((k[0]! + k[1]! + k[2]!) / 3, 5);
    // klAgainst 'old' (dLLM-RL): ℓ_old − ℓ = [ln 2, 0 | −1] too; ρ = exp(ℓ − ℓ_old) = [1/2, 1 | e]
    const old = await lossOf({ ...parts, ref: undefined, old: parts.ref }, { beta: 0.1, klAgainst: 'old', epsilon: 10 });
    const surr = [-0.5 * 1, -1 * 1, -Math.E * -3];
    expect(old.loss).toBeCloseTo(((surr[0]! + surr[1]! + 0.1 * (k[0]! + k[1]!)) / 2 + (surr[2]! + 0.1 * k[2]!)) / 2, 4);
    await expect(lossOf({ ...parts, ref: undefined }, { beta: 0.1 })).rejects.toThrow(/refLogp/);
  });

  it("'sequence' importance sampling uses the masked mean of log ρ per row (GSPO)", async () => {
    // row 0: ρ_seq = exp((ln 1.5 + ln 0.5)/2) = √0.75, A = 1, inside the clip → −√0.75
    // row 1: ρ_seq = √0.63 = 0.7937 < 0.8, A = −3 → min(−2.381, −2.4) = −2.4 → 2.4
    const old = [[0, 0, 0], [0, 0, 0]];
    const logp = [[Math.log(1.5), Math.log(0.5), 7], [Math.log(0.9), Math.log(0.7), 7]];
    const r = await lossOf({ logp, old, mask: [[1, 1, 0], [1, 1, 0]], adv: [1, -3] }, { importanceSamplingLevel: 'sequence' });
    expect(r.loss).toBeCloseTo((-Math.sqrt(0.75) + 2.4) / 2, 5);
    expect(r.metrics.clipRatioLow).toBeCloseTo(0.5, 6); // both tokens of row 1
    expect(r.metrics.meanRatio).toBeCloseTo((2 * Math.sqrt(0.75) + 2 * Math.sqrt(0.63)) / 4, 5);
  });

  it('repeats the advantages over copy-major copies of the batch', async () => {
    const logp = tensor([[-1, -2], [-3, -1], [-0.5, -2], [-1, -1]], [4, 2]);
    const old = tensor([[-1.2, -2], [-3, -0.8], [-0.5, -2.1], [-1, -1.3]], [4, 2]);
    const mask = tensor([[1, 1], [1, 0], [0, 1], [1, 1]], [4, 2]);
    const a2 = tensor([1, -2], [2]);
    const a4 = tensor([1, -2, 1, -2], [4]);
    const x = grpoLoss({ logp, oldLogp: old, mask, advantages: a2 });
    const y = grpoLoss({ logp, oldLogp: old, mask, advantages: a4 });
    expect(await x.loss.item()).toBeCloseTo(await y.loss.item(), 6);
    expect(() => grpoLoss({ logp, mask, advantages: tensor([1, 2, 3], [3]) })).toThrow(/advantages/);
    dispose([x, y, logp, old, mask, a2, a4]);
  });

  it('gives ∂L/∂ℓ = −A/(n_b·B) at ρ = 1 (grpo) and leaks nothing', async () => {
    const logp = mk([[-1, -2, 50], [-0.5, -1, -50]]);
    const mask = mk([[1, 1, 0], [1, 0, 0]]);
    const advantages = tensor([1, -3], [2]);
    const before = memory();
    const { value, grads } = await valueAndGrad((lp: Tensor) => grpoLoss({ logp: lp, mask, advantages }).loss)(logp);
    const g = Array.from(await grads.data());
    [-1 / 4, -1 / 4, 0, 3 / 2, 0, 0].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
    dispose([value, grads]);
    expect(memory()).toEqual(before);
    dispose([logp, mask, advantages]);
  });

  it('matches central finite differences for every lossType, level, clip region and the KL term', async () => {
    const lp = [[-1.1, -0.4, -2.0, -0.7], [-0.3, -1.6, -0.9, -1.2], [-2.2, -0.6, -1.0, -0.5]];
    const old = [[-1.0, -0.8, -1.5, -0.7], [-0.6, -1.2, -0.9, -1.25], [-2.0, -0.65, -1.3, -0.2]];
    const ref = [[-0.9, -0.5, -2.3, -1.0], [-0.4, -1.5, -1.1, -1.0], [-2.4, -0.4, -0.8, -0.6]];
    const maskRows = [[1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 1, 1]];
    const t = (rows: number[][]) => tensor(rows, [3, 4]);
    const [oldT, refT, maskT] = [t(old), t(ref), t(maskRows)];
    const advT = tensor([0.8, -1.3, 0.4], [3]);
    const configs: GrpoLossOptions[] = [
      { lossType: 'grpo', beta: 0.05 },
      { lossType: 'bnpo', epsilon: 0.25 },
      { lossType: 'dr_grpo', beta: 0.1, maxCompletionLength: 6 },
      { lossType: 'dapo', epsilon: 0.2, epsilonHigh: 0.28, delta: 1.4, activeTokens: 20 },
      { lossType: 'grpo', importanceSamplingLevel: 'sequence', beta: 0.04 },
      { lossType: 'bnpo', beta: 0.2, klAgainst: 'old' },
    ];
    const f = async (rows: number[][], o: GrpoLossOptions) => {
      const x = t(rows);
      const r = grpoLoss({ logp: x, oldLogp: oldT, refLogp: refT, mask: maskT, advantages: advT }, o);
      const v = await r.loss.item();
      dispose([r, x]);
      return v;
    };
    for (const o of configs) {
      const x = t(lp);
      const { value, grads } = await valueAndGrad((p: Tensor) => grpoLoss({ logp: p, oldLogp: oldT, refLogp: refT, mask: maskT, advantages: advT }, o).loss)(x);
      const g = Array.from(await grads.data());
      dispose([value, grads, x]);
      const h = 1e-3;
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          const up = lp.map((r) => [...r]);
          const down = lp.map((r) => [...r]);
          up[i]![j]! += h;
          down[i]![j]! -= h;
          const fd = ((await f(up, o)) - (await f(down, o))) / (2 * h);
          expect(g[i * 4 + j], `${JSON.stringify(o)} at (${i}, ${j})`).toBeCloseTo(fd, 3);
          if (!maskRows[i]![j]) expect(g[i * 4 + j]).toBe(0);
        }
      }
    }
    dispose([oldT, refT, maskT, advT]);
  });
});
