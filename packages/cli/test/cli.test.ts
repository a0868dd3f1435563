import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { deviceFromEnv, init } from '@mmada/tensor';
import { disposeModel } from '@mmada/mmada';
import { loadModelWithProgress } from '../src/index.js';
import { mmada, writeTinyModel } from './support.js';

const parity = fileURLToPath(new URL('../../../tests/model-parity/fixtures/', import.meta.url));
const tinyLlada = join(parity, 'tiny-llada');
const reference = JSON.parse(readFileSync(join(parity, 'reference.json'), 'utf8')) as {
  cases: { name: string; ids: number[][]; shape: number[]; logits: number[] }[];
  generations: { prompt: number[][]; genLength: number; steps: number; blockLength: number; ids: number[][] }[];
};
const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-cli-'));
const tinyMmada = join(root, 'tiny-mmada');

beforeAll(async () => {
  await init({ device });
  await writeTinyModel(tinyMmada, 1, device);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mmada generate', () => {
  it('--prompt-ids --json gives the reference greedy ids (generated part only)', async () => {
    const g = reference.generations[0]!;
    const r = await mmada('generate', '--model', tinyLlada, '--prompt-ids', g.prompt[0]!.join(','), '--gen-length', String(g.genLength), '--steps', String(g.steps), '--block-length', String(g.blockLength), '--temperature', '0', '--device', device, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ids: number[]; text: string | null };
    expect(out.ids).toEqual(g.ids[0]!.slice(g.prompt[0]!.length));
    expect(out.text).toBeNull(); // no tokenizer.json in that directory
    expect(r.stderr).toMatch(/generating 4\/4 steps/);
  });

  it('--prompt with the tokenizer prints text; the same seed gives the same text', async () => {
    const args = ['generate', '--model', tinyMmada, '--prompt', 'the cat', '--chat', '--gen-length', '8', '--steps', '4', '--block-length', '4', '--temperature', '1', '--seed', '5', '--device', device];
    const a = await mmada(...args);
    const b = await mmada(...args);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.endsWith('\n')).toBe(true);
  });

  it('rejects bad command lines with exit status 2 and the usage', async () => {
    const r = await mmada('generate', '--model', tinyMmada, '--prompt', 'x', '--prompt-ids', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exactly one of --prompt TEXT and --prompt-ids/);
    expect(r.stderr).toMatch(/usage|mmada generate --model DIR/);
    expect((await mmada('generate', '--model', tinyMmada, '--prompt', 'x', '--gen-length', '10', '--block-length', '4')).stderr).toMatch(/multiple of --block-length/);
    expect((await mmada('generate', '--model', tinyMmada, '--prompt', 'x', '--remasking', 'best')).stderr).toMatch(/--remasking expects one of low_confidence, random/);
    expect((await mmada('generate', '--bogus')).stderr).toMatch(/bogus/);
    expect((await mmada('nope')).code).toBe(2);
  });

  it('reports a missing checkpoint with exit status 1', async () => {
    const r = await mmada('generate', '--model', join(root, 'missing'), '--prompt-ids', '1,2', '--device', device);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\/config\.json: cannot read the file/);
  });
});

describe('mmada forward', () => {
  it('--json prints the logits [T][V] of the reference', async () => {
    const c = reference.cases.find((x) => x.name === 'full')!;
    const r = await mmada('forward', '--model', tinyLlada, '--ids', c.ids[0]!.join(','), '--device', device, '--json');
    expect(r.code).toBe(0);
    const logits = JSON.parse(r.stdout) as number[][];
    const [, T, V] = c.shape as [number, number, number];
    expect(logits).toHaveLength(T);
    expect(logits[0]).toHaveLength(V);
    let diff = 0;
    logits.flat().forEach((v, i) => (diff = Math.max(diff, Math.abs(v - c.logits[i]!))));
    expect(diff).toBeLessThan(1e-4);
  });

  it('checks the pad mask length', async () => {
    const r = await mmada('forward', '--model', tinyLlada, '--ids', '1,2,3', '--pad-mask', '1,1', '--device', device);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pad-mask needs 3 entries/);
  });
});

describe('loadModelWithProgress', () => {
  it('keeps BF16 weights packed for inference and widens them to f32 for the commands that train', async () => {
    const io = { stdout: () => {}, stderr: () => {}, interactive: false };
    for (const [weights, dtype] of [['stored', 'bf16'], ['f32', 'f32']] as const) {
      const r = await loadModelWithProgress(tinyLlada, device, io, weights);
      if (E.isLeft(r)) throw r.left;
      expect(r.right.params.model.transformer.wte.weight.dtype).toBe(dtype);
      expect(r.right.params.model.transformer.blocks[1]!.ff_out.weight.dtype).toBe(dtype);
      disposeModel(r.right);
    }
  });
});

describe('mmada info', () => {
  it('summarises config, parameters and memory', async () => {
    const r = await mmada('info', '--model', tinyLlada, '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ dModel: 16, nLayers: 2, nHeads: 2, embeddingSize: 48, tensors: { inCheckpoint: 21, expected: 21, dtypes: { BF16: 21 } } });
    expect(info.parameters).toBe(2 * 48 * 16 + 2 * (4 * 16 * 16 + 3 * 16 * 40 + 2 * 16) + 16);
    expect(info.storedBytes).toBe(info.parameters * 2);
    const text = await mmada('info', '--model', tinyLlada);
    expect(text.stdout).toMatch(/parameters\s+7,504 in 21 tensors/);
  });

  it('reports the device memory of a forward: BF16 weights kept packed (or widened), plus working memory for --tokens', async () => {
    const packed = JSON.parse((await mmada('info', '--model', tinyLlada, '--json', '--tokens', '10')).stdout);
    expect(packed.weights).toBe('stored');
    expect(packed.deviceBytes).toBe(packed.parameters * 2);
    expect(packed.largestTensor.bytes).toBe(48 * 16 * 2);
    expect(packed.forward).toEqual({ tokens: 10, activationBytes: 10 * (14 * 16 + 4 * 40 + 48) * 4, totalBytes: packed.deviceBytes + 10 * (14 * 16 + 4 * 40 + 48) * 4 });
    const wide = JSON.parse((await mmada('info', '--model', tinyLlada, '--json', '--weights', 'f32')).stdout);
    expect(wide.deviceBytes).toBe(wide.parameters * 4);
    expect(wide.forward.tokens).toBe(wide.maxSequenceLength);
    const text = await mmada('info', '--model', tinyLlada, '--tokens', '10');
    expect(text.stdout).toMatch(/forward\s+.* on the device for 10 tokens/);
    const bad = await mmada('info', '--model', tinyLlada, '--tokens', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tokens expects an integer ≥ 1/);
    const badWeights = await mmada('info', '--model', tinyLlada, '--weights', 'f8');
    expect(badWeights.stderr).toMatch(/--weights expects one of stored, f32/);
  });
});
