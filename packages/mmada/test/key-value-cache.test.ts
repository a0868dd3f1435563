import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { semiAutoregressiveSample } from '@mmada/diffusion';
import { deviceFromEnv, dispose, init, key, memory, sliceAxis, tensor, type DeviceName, type Tensor } from '@mmada/tensor';
import {
  asMaskPredictor, createModel, disposeModel, generateIds, maskPredictorForward, MODEL_ZOO, openKeyValueCache, type MaskPredictorModel,
} from '@mmada/mmada';

let device: DeviceName;
let two: MaskPredictorModel;
let one: MaskPredictorModel;
let alibi: MaskPredictorModel;
const MASK = MODEL_ZOO['mmada-tiny'].maskTokenId;

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
  two = createModel(MODEL_ZOO['mmada-tiny'], key(21), { device, std: 0.3 });
  one = createModel({ ...MODEL_ZOO['mmada-tiny'], nLayers: 1 }, key(22), { device, std: 0.3 });
  // `two`'s weights with ALiBi in place of RoPE.
  alibi = createModel({ ...MODEL_ZOO['mmada-tiny'], rope: false, alibiBiasMax: 8 }, key(21), { device, std: 0.3 });
});

afterAll(() => {
  disposeModel(two);
  disposeModel(one);
  disposeModel(alibi);
});

async function maxAbsDiff(a: Tensor, b: Tensor): Promise<number> {
  const x = (await a.data()) as Float32Array;
  const y = (await b.data()) as Float32Array;
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

// Two rows of 12: row 0 left-padded by 2, prompt 4 wide, then 8 masks (two blocks of 4).
const idRows = (fill: number) => [
  [0, 0, 5, 6, 7, 8, ...new Array(6).fill(fill)],
  [9, 10, 11, 12, 13, 14, ...new Array(6).fill(fill)],
];
const padRows = [[0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], new Array(12).fill(1)];

describe('openKeyValueCache', () => {
  it.each(['rope', 'alibi'])('refresh is the forward pass; a window over unchanged ids equals it at those positions (prefix and dual windows; %s)', async (encoding) => {
    const model = encoding === 'rope' ? two : alibi;
    const before = memory().tensors;
    const ids = tensor(idRows(MASK), [2, 12], 'i32', { device });
    const padMask = tensor(padRows, [2, 12], 'i32', { device });
    const full = maskPredictorForward(model.params, model.config, ids, { padMask });
    const cache = openKeyValueCache(model);
    const refreshed = await cache.refresh(ids, padMask);
    expect(await maxAbsDiff(refreshed, full)).toBe(0);
    // Windows hold real positions only (pad rows attend uniformly in the full forward and are meaningless).
    for (const [start, end] of [[6, 12], [6, 9], [9, 12], [2, 5]] as const) {
      const win = sliceAxis(ids, 1, start, end);
      const logits = await cache.window(win, start);
      expect(logits.shape).toEqual([2, end - start, model.config.embeddingSize]);
      const expected = sliceAxis(full, 1, start, end);
      expect(await maxAbsDiff(logits, expected)).toBeLessThan(1e-6);
      dispose([win, logits, expected]);
    }
    cache.dispose();
    dispose([ids, padMask, full, refreshed]);
    expect(memory().tensors).toBe(before);
  });

  it('a window reads the cache: stale with two layers, exact with one (whose keys depend on their own token only)', async () => {
    const stale = tensor(idRows(MASK), [2, 12], 'i32', { device });
    const fresh = tensor(idRows(MASK).map((r) => [...r.slice(0, 6), 3, 4, 5, ...r.slice(9)]), [2, 12], 'i32', { device });
    const block = sliceAxis(fresh, 1, 6, 9);
    const diffs: number[] = [];
    for (const model of [two, one]) {
      const cache = openKeyValueCache(model);
      dispose(await cache.refresh(stale));
      const logits = await cache.window(block, 6);
      const full = maskPredictorForward(model.params, model.config, fresh);
      const expected = sliceAxis(full, 1, 6, 9);
      diffs.push(await maxAbsDiff(logits, expected));
      cache.dispose();
      dispose([logits, full, expected]);
    }
    expect(diffs[0]).toBeGreaterThan(1e-3);
    expect(diffs[1]).toBeLessThan(1e-6);
    dispose([stale, fresh, block]);
  });

  it('refuses a window before a refresh, outside the sequence or of another batch size', async () => {
    const cache = openKeyValueCache(two);
    const ids = tensor(idRows(MASK), [2, 12], 'i32', { device });
    const win = sliceAxis(ids, 1, 0, 4);
    expect(() => cache.window(win, 0)).toThrow(/the cache is empty: call refresh\(ids\) first/);
    dispose(await cache.refresh(ids));
    expect(() => cache.window(win, 10)).toThrow(/ids \[2, 4\] at start 10 do not fit the cached sequence \[2, 12\]/);
    const oneRow = sliceAxis(win, 0, 0, 1);
    expect(() => cache.window(oneRow, 0)).toThrow(/ids \[1, 4\] at start 0 do not fit/);
    cache.dispose();
    dispose([ids, win, oneRow]);
  });
});

describe('semiAutoregressiveSample over the model with kvCache', () => {
  const prompt = () => tensor([[5, 6, 7, 8], [9, 10, 11, 12]], [2, 4], 'i32', { device });
  const padMask = () => tensor([[0, 0, 1, 1], [1, 1, 1, 1]], [2, 4], 'i32', { device });
  const rows = async (t: Tensor) => (await t.array()) as number[][];

  it('refreshed every step, prefix and dual decode exactly what exact decoding decodes (greedy, threshold, noise)', async () => {
    const p = prompt();
    const pm = padMask();
    for (const o of [
      { genLength: 8, steps: 8, blockLength: 4 },
      { genLength: 8, blockLength: 4, threshold: 0.05 },
      { genLength: 8, steps: 4, blockLength: 4, temperature: 1, key: key(3) },
    ]) {
      const base = { ...o, maskId: MASK, promptPadMask: pm };
      const exact = await semiAutoregressiveSample(asMaskPredictor(two), p, base);
      for (const kvCache of ['prefix', 'dual'] as const) {
        const cached = await semiAutoregressiveSample(asMaskPredictor(two), p, { ...base, kvCache, kvCacheRefresh: 1 });
        expect(await rows(cached.ids)).toEqual(await rows(exact.ids));
        expect(cached.steps).toBe(exact.steps);
        cached.ids.dispose();
      }
      exact.ids.dispose();
    }
    dispose([p, pm]);
  });

  it('with one layer the cache is exact, so cached decoding equals exact decoding with the default refresh', async () => {
    const p = prompt();
    const pm = padMask();
    const base = { genLength: 8, steps: 8, blockLength: 4, maskId: MASK, promptPadMask: pm };
    const exact = await semiAutoregressiveSample(asMaskPredictor(one), p, base);
    for (const kvCache of ['prefix', 'dual'] as const) {
      const cached = await semiAutoregressiveSample(asMaskPredictor(one), p, { ...base, kvCache });
      expect(await rows(cached.ids)).toEqual(await rows(exact.ids));
      cached.ids.dispose();
    }
    dispose([p, pm, exact.ids]);
  });

  it('generateIds passes kvCache through and counts the cached forward passes for progress', async () => {
    const before = memory().tensors;
    let calls = 0;
    const r = await generateIds(two, [[5, 6, 7], [8, 9]], key(1), { genLength: 8, steps: 4, blockLength: 4, kvCache: 'dual', onForward: (n) => (calls = n) });
    expect(r.steps).toBe(4);
    expect(calls).toBe(4);
    expect(r.generated.every((g) => g.length === 8 && g.every((t) => t >= 0 && t < two.config.embeddingSize))).toBe(true);
    expect(memory().tensors).toBe(before);
  });
});
