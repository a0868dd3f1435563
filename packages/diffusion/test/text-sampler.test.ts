import { describe, expect, it, beforeAll } from 'vitest';
import { argmax, dispose, key, memory, tensor, type Tensor } from '@mmada/tensor';
import { initTestDevice } from '../../../tests/support/devices.js';
import { infillSample, semiAutoregressiveSample, textGuidance, numTransfer, type MaskPredictor } from '../src/index.js';
import { embeddingTablePredictor, fixedTablePredictor } from './toy-predictors.js';
import { referenceSemiAutoregressive } from './reference-sampler.js';

const V = 16;
const MASK = 15;

/** Deterministic pseudo-random table (a small LCG), well separated values. */
function randomTable(seed: number, scale = 3): Float32Array {
  let s = seed >>> 0;
  const t = new Float32Array(V * V);
  for (let i = 0; i < t.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    t[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return t;
}

beforeAll(async () => {
  await initTestDevice();
});

const rows = async (t: Tensor) => (await t.array()) as number[][];

describe('semiAutoregressiveSample', () => {
  it('recovers a known answer exactly and commits the most confident positions first', async () => {
    // Position i favours token target[i] with margin 1 + 0.3·i: later positions are more confident.
    const target = [0, 0, 5, 6, 7, 8, 9, 10, 3, 4];
    const predictor = fixedTablePredictor(target, V, target.map((_, i) => 1 + 0.3 * i));
    const prompt = tensor([[1, 2], [3, 4]], [2, 2], 'i32');
    const r = await semiAutoregressiveSample(predictor, prompt, { genLength: 8, steps: 4, blockLength: 4, maskId: MASK, returnTrajectory: true });
    expect(await rows(r.ids)).toEqual([[1, 2, ...target.slice(2)], [3, 4, ...target.slice(2)]]);
    expect(r.steps).toBe(4);
    const traj = await Promise.all(r.trajectory!.map(rows));
    // Block 1 (positions 2..5), 2 per step: the two right-most (most confident) first.
    expect(traj[0]![0]).toEqual([1, 2, MASK, MASK, 7, 8, MASK, MASK, MASK, MASK]);
    expect(traj[1]![0]).toEqual([1, 2, 5, 6, 7, 8, MASK, MASK, MASK, MASK]);
    expect(traj[2]![0]).toEqual([1, 2, 5, 6, 7, 8, MASK, MASK, 3, 4]);
    dispose([prompt, r]);
  });

  it('temperature 0 is argmax; a tiny temperature (Gumbel-max in log space) gives the same', async () => {
    const table = randomTable(7);
    const predictor = embeddingTablePredictor(table, V);
    const prompt = tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'i32');
    // One step commits every position, so the result is exactly argmax of the first logits.
    const r0 = await semiAutoregressiveSample(predictor, prompt, { genLength: 6, steps: 1, blockLength: 6, maskId: MASK });
    const expected = argmax(tensor(table.subarray(MASK * V, (MASK + 1) * V), [V]), -1);
    const am = await expected.item();
    expect((await rows(r0.ids)).map((row) => row.slice(3))).toEqual([new Array(6).fill(am), new Array(6).fill(am)]);
    const rTiny = await semiAutoregressiveSample(predictor, prompt, { genLength: 6, steps: 1, blockLength: 6, maskId: MASK, temperature: 1e-6, key: key(9) });
    expect(await rows(rTiny.ids)).toEqual(await rows(r0.ids));
    dispose([prompt, r0, rTiny, expected]);
  });

  it('matches a plain transcription of LLaDA generate() (blocks, numTransfer, CFG, margin)', async () => {
    const table = randomTable(11);
    const predictor = embeddingTablePredictor(table, V);
    const promptRows = [[1, 2, 3], [7, 8, 9]];
    const prompt = tensor(promptRows, [2, 3], 'i32');
    for (const o of [
      { genLength: 12, steps: 6, blockLength: 4 },
      { genLength: 12, steps: 5, blockLength: 12 },
      { genLength: 8, steps: 8, blockLength: 4, cfgScale: 1.5 },
      { genLength: 8, steps: 4, blockLength: 8, confidence: 'margin' as const },
    ]) {
      const r = await semiAutoregressiveSample(predictor, prompt, {
        ...o, maskId: MASK, remasking: o.confidence === 'margin' ? 'margin_confidence' : 'low_confidence',
      });
      expect(await rows(r.ids)).toEqual(referenceSemiAutoregressive(table, V, promptRows, { ...o, maskId: MASK }));
      r.ids.dispose();
    }
    prompt.dispose();
  });

  it('text CFG: un + (cfg + 1)·(cond − un), with the prompt masked in the unconditional copy', async () => {
    const cond = tensor([[1, 2, 3]], [1, 3]);
    const un = tensor([[0.5, 2, 4]], [1, 3]);
    const g = textGuidance(cond, un, 2); // un + 3·(cond − un) = [0.5 + 1.5, 2, 4 − 3]
    expect(await g.array()).toEqual([[2, 2, 1]]);
    const seen: number[][][] = [];
    const pads: number[][][] = [];
    const inner = fixedTablePredictor([0, 0, 0, 1, 2], V);
    const recording: MaskPredictor = async (ids, padMask) => {
      seen.push((await ids.array()) as number[][]);
      if (padMask) pads.push((await padMask.array()) as number[][]);
      return inner(ids, padMask);
    };
    const prompt = tensor([[0, 4, 5]], [1, 3], 'i32');
    const padMask = tensor([[0, 1, 1]], [1, 3], 'i32');
    const r = await semiAutoregressiveSample(recording, prompt, { genLength: 2, steps: 2, blockLength: 2, maskId: MASK, cfgScale: 1, promptPadMask: padMask });
    expect(seen[0]).toEqual([[0, 4, 5, MASK, MASK], [MASK, MASK, MASK, MASK, MASK]]);
    expect(seen[1]![1]!.slice(0, 3)).toEqual([MASK, MASK, MASK]);
    // Left padding: the pad mask is extended with ones over the generated part, for both copies.
    expect(pads[0]).toEqual([[0, 1, 1, 1, 1], [0, 1, 1, 1, 1]]);
    dispose([cond, un, g, prompt, padMask, r]);
  });

  it('logitsEosInf never emits EOS; confidenceEosEotInf commits EoT last', async () => {
    const EOS = 12;
    const EOT = 13;
    // Every position prefers EOS most, then EoT at position 2.
    const predictor: MaskPredictor = (ids) => {
      const [b, l] = ids.shape as [number, number];
      const data = new Float32Array(b * l * V);
      for (let r = 0; r < b; r++) {
        for (let i = 0; i < l; i++) {
          const o = (r * l + i) * V;
          data[o + EOS] = 9;
          data[o + (i === 2 ? EOT : 3)] = 8 + 0.1 * i;
        }
      }
      return tensor(data, [b, l, V], 'f32');
    };
    const prompt = tensor([[1]], [1, 1], 'i32');
    const base = { genLength: 4, steps: 4, blockLength: 4, maskId: MASK, eosId: EOS, eotId: EOT, returnTrajectory: true };
    const r = await semiAutoregressiveSample(predictor, prompt, { ...base, logitsEosInf: true });
    const ids = (await rows(r.ids))[0]!;
    expect(ids).not.toContain(EOS);
    expect(ids).toEqual([1, 3, EOT, 3, 3]);
    // Confidence grows with the position, so positions 4, 3, 2, 1 are committed in that order: EoT third.
    const plain = await Promise.all(r.trajectory!.map(async (t) => (await rows(t))[0]!));
    expect(plain[0]).toEqual([1, MASK, MASK, MASK, 3]);
    expect(plain[1]![2]).toBe(MASK);
    expect(plain[2]![2]).toBe(EOT);
    const rInf = await semiAutoregressiveSample(predictor, prompt, { ...base, logitsEosInf: true, confidenceEosEotInf: true });
    const steps = await Promise.all(rInf.trajectory!.map(async (t) => (await rows(t))[0]!));
    expect(steps[2]![2]).toBe(MASK); // EoT's confidence is 0: committed in the last step
    expect(steps[3]![2]).toBe(EOT);
    dispose([prompt, r, rInf]);
  });

  it('asks for eosId / eotId when an option needs them: the sampler knows no vocabulary', async () => {
    const predictor = embeddingTablePredictor(new Float32Array(V * V), V);
    const prompt = tensor([[1]], [1, 1], 'i32');
    const base = { genLength: 2, steps: 2, blockLength: 2, maskId: MASK };
    await expect(semiAutoregressiveSample(predictor, prompt, { ...base, logitsEosInf: true })).rejects.toThrow(/logitsEosInf needs eosId/);
    await expect(semiAutoregressiveSample(predictor, prompt, { ...base, confidenceEosEotInf: true, eosId: 3 })).rejects.toThrow(/confidenceEosEotInf needs eotId/);
    await expect(semiAutoregressiveSample(predictor, prompt, { ...base, confidenceEosEotInf: 'both', eotId: 4 })).rejects.toThrow(/confidenceEosEotInf: 'both' needs eosId/);
    prompt.dispose();
  });

  it('threshold decoding commits every confident token at once and at least one per step', async () => {
    const target = [1, 5, 6, 7, 8];
    const sure = fixedTablePredictor(target, V, [9, 9, 9, 9, 9]);
    const prompt = tensor([[1]], [1, 1], 'i32');
    const r = await semiAutoregressiveSample(sure, prompt, { genLength: 4, blockLength: 2, maskId: MASK, threshold: 0.9 });
    expect(r.steps).toBe(2); // one step per block
    expect(await rows(r.ids)).toEqual([target]);
    const unsure = fixedTablePredictor(target, V, [0.1, 0.1, 0.2, 0.3, 0.4]);
    const r2 = await semiAutoregressiveSample(unsure, prompt, { genLength: 4, blockLength: 4, maskId: MASK, threshold: 0.9 });
    expect(r2.steps).toBe(4); // nothing passes the threshold: one token per step
    expect(await rows(r2.ids)).toEqual([target]);
    dispose([prompt, r, r2]);
  });

  it('validates the block arithmetic', async () => {
    const prompt = tensor([[1]], [1, 1], 'i32');
    const p = fixedTablePredictor([1, 1, 1, 1, 1], V);
    await expect(semiAutoregressiveSample(p, prompt, { genLength: 4, blockLength: 3, maskId: MASK })).rejects.toThrow(/multiple of blockLength/);
    await expect(semiAutoregressiveSample(p, prompt, { genLength: 4, blockLength: 2, steps: 3, maskId: MASK })).rejects.toThrow(/number of blocks/);
    prompt.dispose();
  });

  it('leaves no tensors behind', async () => {
    const predictor = embeddingTablePredictor(randomTable(3), V);
    const prompt = tensor([[1, 2], [3, 4]], [2, 2], 'i32');
    const before = memory();
    const r = await semiAutoregressiveSample(predictor, prompt, {
      genLength: 8, steps: 8, blockLength: 4, maskId: MASK, temperature: 1, cfgScale: 0.5, key: key(1), returnTrajectory: true,
    });
    dispose(r);
    const r2 = await semiAutoregressiveSample(predictor, prompt, { genLength: 8, blockLength: 4, maskId: MASK, threshold: 0.5, remasking: 'random' });
    dispose(r2);
    expect(memory()).toEqual(before);
    prompt.dispose();
  });
});

describe('infillSample', () => {
  it('fills masked spans anywhere and never changes known tokens', async () => {
    const target = [1, 2, 3, 4, 5, 6, 7, 8];
    const predictor = fixedTablePredictor(target, V, target.map((_, i) => 2 + (i % 3)));
    const ids = tensor([[1, MASK, MASK, 9, 5, MASK, 9, MASK]], [1, 8], 'i32');
    const r = await infillSample(predictor, ids, { steps: 2, maskId: MASK, returnTrajectory: true });
    expect(await rows(r.ids)).toEqual([[1, 2, 3, 9, 5, 6, 9, 8]]);
    expect(numTransfer(4, 2)).toEqual([2, 2]);
    expect((await rows(r.trajectory![0]!))[0]!.filter((t) => t === MASK).length).toBe(2);
    const idsAfter = await rows(ids);
    expect(idsAfter).toEqual([[1, MASK, MASK, 9, 5, MASK, 9, MASK]]);
    dispose([ids, r]);
  });
});

