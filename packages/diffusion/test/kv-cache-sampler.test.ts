import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, key, memory, sliceAxis, tensor, type Tensor } from '@mmada/tensor';
import { semiAutoregressiveSample, type KeyValueCache, type MaskPredictor, type SemiAutoregressiveOptions } from '../src/index.js';
import { initTestDevice } from '../../../tests/support/devices.js';
import { embeddingTablePredictor } from './toy-predictors.js';

const V = 16;
const MASK = 15;

function randomTable(seed: number): Float32Array {
  let s = seed >>> 0;
  const t = new Float32Array(V * V);
  for (let i = 0; i < t.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    t[i] = ((s / 2 ** 32) * 2 - 1) * 3;
  }
  return t;
}

type Call = { kind: 'refresh'; length: number; padded: boolean } | { kind: 'window'; start: number; width: number };

/**
 * A position-wise predictor (logits at i depend on ids[i] only) with a cache: a window's logits are then the
 * exact ones, so cached decoding must reproduce exact decoding, and every cache call is recorded.
 */
function cachingPredictor(table: Float32Array, calls: Call[]): MaskPredictor {
  const inner = embeddingTablePredictor(table, V);
  const open = (): KeyValueCache => {
    let length = 0;
    return {
      refresh(ids, padMask) {
        length = ids.shape[1]!;
        calls.push({ kind: 'refresh', length, padded: padMask !== undefined });
        return inner(ids);
      },
      window(ids, start) {
        expect(start + ids.shape[1]!).toBeLessThanOrEqual(length);
        calls.push({ kind: 'window', start, width: ids.shape[1]! });
        return inner(ids);
      },
      dispose() {},
    };
  };
  return Object.assign((ids: Tensor) => inner(ids), { openKeyValueCache: open });
}

const rows = async (t: Tensor) => (await t.array()) as number[][];

beforeAll(async () => {
  await initTestDevice();
});

describe('semiAutoregressiveSample with a key/value cache', () => {
  const prompt = () => tensor([[1, 2, 3], [7, 8, 9]], [2, 3], 'i32');

  it('refreshes at the first step of each block and recomputes block + suffix (prefix) or the block (dual)', async () => {
    const p = prompt();
    for (const mode of ['prefix', 'dual'] as const) {
      const calls: Call[] = [];
      const r = await semiAutoregressiveSample(cachingPredictor(randomTable(3), calls), p, { genLength: 8, steps: 6, blockLength: 4, maskId: MASK, kvCache: mode });
      const width = (lo: number) => (mode === 'prefix' ? 11 - lo : 4);
      expect(calls).toEqual([
        { kind: 'refresh', length: 11, padded: false },
        { kind: 'window', start: 3, width: width(3) },
        { kind: 'window', start: 3, width: width(3) },
        { kind: 'refresh', length: 11, padded: false },
        { kind: 'window', start: 7, width: width(7) },
        { kind: 'window', start: 7, width: width(7) },
      ]);
      expect(r.steps).toBe(6);
      r.ids.dispose();
    }
    p.dispose();
  });

  it('kvCacheRefresh n refreshes at block steps 0, n, 2n, …', async () => {
    const p = prompt();
    const calls: Call[] = [];
    const r = await semiAutoregressiveSample(cachingPredictor(randomTable(3), calls), p, { genLength: 4, steps: 4, blockLength: 4, maskId: MASK, kvCache: 'dual', kvCacheRefresh: 2 });
    expect(calls.map((c) => c.kind)).toEqual(['refresh', 'window', 'refresh', 'window']);
    dispose([p, r]);
  });

  it('decodes what exact decoding decodes when the windows are exact (greedy, noise, random, CFG, threshold, padding)', async () => {
    const table = randomTable(11);
    const p = prompt();
    const padMask = tensor([[0, 1, 1], [1, 1, 1]], [2, 3], 'i32');
    const cases: Omit<SemiAutoregressiveOptions, 'maskId'>[] = [
      { genLength: 12, steps: 6, blockLength: 4 },
      { genLength: 8, steps: 8, blockLength: 4, temperature: 0.7, key: key(5) },
      { genLength: 8, steps: 4, blockLength: 4, remasking: 'random', key: key(6) },
      { genLength: 8, steps: 4, blockLength: 4, remasking: 'margin_confidence', cfgScale: 1.5 },
      { genLength: 8, blockLength: 4, threshold: 0.9, promptPadMask: padMask },
    ];
    const before = memory().tensors;
    for (const o of cases) {
      const exact = await semiAutoregressiveSample(embeddingTablePredictor(table, V), p, { ...o, maskId: MASK, returnTrajectory: true });
      for (const kvCache of ['prefix', 'dual'] as const) {
        const calls: Call[] = [];
        const cached = await semiAutoregressiveSample(cachingPredictor(table, calls), p, { ...o, maskId: MASK, kvCache, returnTrajectory: true });
        expect(await rows(cached.ids)).toEqual(await rows(exact.ids));
        // Step by step, not only at the end.
        expect(await Promise.all(cached.trajectory!.map(rows))).toEqual(await Promise.all(exact.trajectory!.map(rows)));
        expect(calls.some((c) => c.kind === 'window')).toBe(true);
        expect(calls.every((c) => c.kind !== 'refresh' || c.padded === (o.promptPadMask !== undefined))).toBe(true);
        dispose([cached.ids, cached.trajectory]);
      }
      dispose([exact.ids, exact.trajectory]);
    }
    expect(memory().tensors).toBe(before);
    dispose([p, padMask]);
  });

  it('rejects a predictor without a cache, an unknown mode, a bad refresh interval and misshapen window logits', async () => {
    const p = prompt();
    const plain = embeddingTablePredictor(randomTable(1), V);
    await expect(semiAutoregressiveSample(plain, p, { genLength: 4, steps: 4, blockLength: 4, maskId: MASK, kvCache: 'dual' })).rejects.toThrow(/needs a predictor with openKeyValueCache/);
    const cached = cachingPredictor(randomTable(1), []);
    await expect(semiAutoregressiveSample(cached, p, { genLength: 4, steps: 4, blockLength: 4, maskId: MASK, kvCache: 'both' as 'dual' })).rejects.toThrow(/kvCache must be 'none', 'prefix' or 'dual', got "both"/);
    await expect(semiAutoregressiveSample(cached, p, { genLength: 4, steps: 4, blockLength: 4, maskId: MASK, kvCache: 'prefix', kvCacheRefresh: 0 })).rejects.toThrow(/kvCacheRefresh must be a positive integer, got 0/);
    const inner = embeddingTablePredictor(randomTable(1), V);
    const short: MaskPredictor = Object.assign((ids: Tensor) => inner(ids), {
      openKeyValueCache: (): KeyValueCache => ({ refresh: (ids) => inner(ids), window: (ids) => inner(sliceAxis(ids, 1, 0, 1)), dispose() {} }),
    });
    await expect(semiAutoregressiveSample(short, p, { genLength: 4, steps: 4, blockLength: 4, maskId: MASK, kvCache: 'dual' })).rejects.toThrow(/the key\/value cache window returned logits \[2, 1, 16\] for ids \[2, 4\]/);
    p.dispose();
  });
});
