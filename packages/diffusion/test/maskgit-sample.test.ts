import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, key, memory, tensor, type Tensor } from '@mmada/tensor';
import { initTestDevice } from '../../../tests/support/devices.js';
import { imageGuidance, maskgitMaskCounts, maskgitSample, type MaskPredictor } from '../src/index.js';
import { fixedTablePredictor } from './toy-predictors.js';

// A toy t2i layout: [BOS, N image tokens, EOI]; codes 0..K-1 live at vocabulary ids OFF..OFF+K-1.
const N = 256;
const K = 16;
const OFF = 2;
const V = OFF + K + 1;
const MASK = V - 1;
const L = N + 2;
const target = Array.from({ length: L }, (_, i) => (i >= 1 && i <= N ? OFF + ((i * 7) % K) : 0));
// Distinct margins: no two positions tie in confidence.
const margins = target.map((_, i) => 1 + (i % 13) * 0.37 + i * 0.001);
const predictor = fixedTablePredictor(target, V, margins);

beforeAll(async () => {
  await initTestDevice();
});

// the trajectory holds −1 where a code is still masked
const countMasked = async (t: Tensor) => Array.from(await t.data()).filter((v) => v === -1).length;

describe('maskgitSample', () => {
  it('follows the maskLen rule: masked counts per step equal the N = 256, T = 16 table', async () => {
    const ids = tensor([[0, ...new Array<number>(N).fill(MASK), 0]], [1, L], 'i32');
    const r = await maskgitSample(predictor, ids, { numImageTokens: N, steps: 16, codebookOffset: OFF, codebookSize: K, maskId: MASK, key: key(1), returnTrajectory: true });
    const counts = await Promise.all(r.trajectory!.map(countMasked));
    expect(counts).toEqual(maskgitMaskCounts(N, 16));
    // The returned sample is fully filled, in code space; ids carry code + offset.
    const codes = Array.from(await r.codes.data());
    expect(codes.every((c) => c >= 0 && c < K)).toBe(true);
    const out = Array.from(await r.ids.data());
    expect(out.slice(1, N + 1)).toEqual(codes.map((c) => c + OFF));
    expect([out[0], out[L - 1]]).toEqual([0, 0]);
    dispose([ids, r]);
  });

  it('inpainting never changes known tokens, and early steps commit one token at a time (Quirk 5)', async () => {
    const known = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? OFF + 5 : MASK));
    const unknown = known.filter((v) => v === MASK).length; // 170
    const ids = tensor([[0, ...known, 0], [0, ...known, 0]], [2, L], 'i32');
    const r = await maskgitSample(predictor, ids, {
      numImageTokens: N, steps: 8, codebookOffset: OFF, codebookSize: K, maskId: MASK,
      guidanceScale: 2, uncondPrefix: tensor([[0]], [1, 1], 'i32'), returnTrajectory: true, key: key(2),
    });
    const codes = Array.from(await r.codes.data());
    for (let b = 0; b < 2; b++) known.forEach((v, i) => v !== MASK && expect(codes[b * N + i]).toBe(5));
    for (const step of r.trajectory!) {
      const c = Array.from(await step.data());
      for (let b = 0; b < 2; b++) known.forEach((v, i) => v !== MASK && expect(c[b * N + i]).toBe(5));
    }
    // maskLen = min(unknown − 1, floor(N·ratio)): 169 at the first step (one committed per row).
    expect(await countMasked(r.trajectory![0]!)).toBe(2 * (unknown - 1));
    // With maskLenFrom 'unknown' the schedule scales by the 170 masked codes instead.
    const r2 = await maskgitSample(predictor, ids, { numImageTokens: N, steps: 8, codebookOffset: OFF, codebookSize: K, maskId: MASK, maskLenFrom: 'unknown', returnTrajectory: true });
    expect(await countMasked(r2.trajectory![0]!)).toBe(2 * Math.floor(Math.fround(unknown * Math.fround(Math.cos(Math.fround(Math.fround(Math.fround(1 / 8) * Math.fround(Math.PI)) * 0.5))))));
    dispose([ids, r, r2]);
  });

  it('image CFG is (1 + w)·cond − w·uncond, with the uncond rows from the caller', async () => {
    const c = tensor([2, 4], [2]);
    const u = tensor([1, 1], [2]);
    const g = imageGuidance(c, u, 3); // 4·c − 3·u
    expect(Array.from(await g.data())).toEqual([5, 13]);
    const seen: number[][][] = [];
    const recording: MaskPredictor = async (ids, pad) => {
      seen.push((await ids.array()) as number[][]);
      return predictor(ids, pad);
    };
    const ids = tensor([[0, ...new Array<number>(N).fill(MASK), 0]], [1, L], 'i32');
    const r = await maskgitSample(recording, ids, {
      numImageTokens: N, steps: 2, codebookOffset: OFF, codebookSize: K, maskId: MASK, guidanceScale: 1,
      uncondIds: (x) => x, // any function of the current ids; here the identity
    });
    expect(seen[1]![0]).toEqual(seen[1]![1]); // the uncond row saw the current (partly filled) image
    expect(seen[1]![0]!.filter((v) => v === MASK).length).toBe(maskgitMaskCounts(N, 2)[0]);
    dispose([c, u, g, ids, r]);
  });

  it('takes a mask id below the codebook size that is not a code id (a small vocabulary: text ids before the codes)', async () => {
    // MASK sits past the codes; id 1 is a text id below K but outside the code ids OFF … OFF + K − 1
    const run = async (mask: number) => {
      const ids = tensor([[0, ...new Array<number>(N).fill(mask), 0]], [1, L], 'i32');
      const r = await maskgitSample(predictor, ids, { numImageTokens: N, steps: 8, codebookOffset: OFF, codebookSize: K, maskId: mask, key: key(4), returnTrajectory: true });
      const first = await countMasked(r.trajectory![0]!);
      return { codes: Array.from(await r.codes.data()), first };
    };
    const past = await run(MASK);
    const below = await run(1);
    expect(below.codes).toEqual(past.codes);
    expect(below.first).toBe(past.first);
    expect(below.first).toBe(maskgitMaskCounts(N, 8)[0]);
  });

  it('validates its layout and leaves no tensors behind', async () => {
    const ids = tensor([[0, ...new Array<number>(N).fill(MASK), 0]], [1, L], 'i32');
    await expect(maskgitSample(predictor, ids, { numImageTokens: N + 2, codebookOffset: OFF, codebookSize: K, maskId: MASK })).rejects.toThrow(/do not fit/);
    await expect(maskgitSample(predictor, ids, { numImageTokens: N, codebookOffset: OFF, codebookSize: K, maskId: 3 })).rejects.toThrow(/is a code/);
    await expect(maskgitSample(predictor, ids, { numImageTokens: N, codebookOffset: OFF, codebookSize: K, maskId: MASK, guidanceScale: 1 })).rejects.toThrow(/uncond/);
    const before = memory();
    dispose(await maskgitSample(predictor, ids, { numImageTokens: N, steps: 4, codebookOffset: OFF, codebookSize: K, maskId: MASK, returnTrajectory: true, temperatureAnnealing: 'maskgit' }));
    dispose(await maskgitSample(predictor, ids, { numImageTokens: N, steps: 3, codebookOffset: OFF, codebookSize: K, maskId: MASK, schedule: 'sigmoid', maskLenFrom: 'unknown' }));
    expect(memory()).toEqual(before);
    ids.dispose();
  });
});
