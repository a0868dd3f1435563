import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, disposeModel, MODEL_ZOO, saveModel } from '@mmada/mmada';
import { deviceFromEnv, init, key } from '@mmada/tensor';
import { textSamplingFromFlags } from '../src/text-sampling-flags.js';
import { mmada, writeTinyModel } from './support.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-kv-cache-'));
const oneLayer = join(root, 'one-layer');
const tiny = join(root, 'tiny');

beforeAll(async () => {
  await init({ device });
  // With one layer the cached keys/values of unchanged positions are exact, so cached decoding is exact too.
  const m = createModel({ ...MODEL_ZOO['mmada-tiny'], nLayers: 1 }, key(4), { device, std: 0.3 });
  const saved = await saveModel(m, oneLayer)();
  disposeModel(m);
  if (E.isLeft(saved)) throw saved.left;
  await writeTinyModel(tiny, 2, device);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--kv-cache and --threshold', () => {
  it('textSamplingFromFlags reads them (default: exact, no threshold) and rejects bad values', () => {
    expect(textSamplingFromFlags({})).toMatchObject({ kvCache: 'none', threshold: undefined });
    expect(textSamplingFromFlags({ 'kv-cache': 'dual', threshold: '0.9' })).toMatchObject({ kvCache: 'dual', threshold: 0.9 });
    expect(() => textSamplingFromFlags({ 'kv-cache': 'suffix' })).toThrow(/--kv-cache expects one of none, prefix, dual, got "suffix"/);
    expect(() => textSamplingFromFlags({ threshold: '0' })).toThrow(/--threshold expects a confidence in \(0, 1\], got "0"/);
    expect(() => textSamplingFromFlags({ threshold: '1.5' })).toThrow(/--threshold expects a confidence in \(0, 1\]/);
  });

  it('mmada generate --kv-cache prefix|dual decodes what exact decoding decodes on a one-layer model', async () => {
    const base = ['generate', '--model', oneLayer, '--prompt-ids', '5,6,7,8', '--gen-length', '8', '--steps', '8', '--block-length', '4', '--device', device, '--json'];
    const exact = await mmada(...base);
    expect(exact.code).toBe(0);
    const ids = (JSON.parse(exact.stdout) as { ids: number[] }).ids;
    expect(ids).toHaveLength(8);
    for (const mode of ['prefix', 'dual']) {
      const r = await mmada(...base, '--kv-cache', mode);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { ids: number[] }).ids).toEqual(ids);
      expect(r.stderr).toMatch(/generating 8\/8 steps/);
    }
  });

  it('mmada eval runs a text task with them and refuses them for a task that does not generate text', async () => {
    const out = join(root, 'reasoning');
    const r = await mmada('eval', '--task', 'shapesworld-reasoning', '--model', tiny, '--limit', '1', '--out', out, '--raw', '--gen-length', '8', '--block-length', '4', '--kv-cache', 'dual', '--threshold', '0.5', '--device', device);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'predictions.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    const t2i = await mmada('eval', '--task', 'shapesworld-t2i', '--model', tiny, '--vq', root, '--kv-cache', 'prefix');
    expect(t2i.stderr).toMatch(/--threshold and --kv-cache are options of the text sampler/);
  });
});
