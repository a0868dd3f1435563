import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceFromEnv, init, key, memory, saveCheckpoint, scope, tensor, zeros, type DeviceName, type Tensor } from '@mmada/tensor';
import {
  configToJsonText,
  createModel,
  disposeModel,
  estimateMemory,
  flattenParameters,
  forwardActivationBytes,
  loadModel,
  maskPredictorForward,
  MODEL_ZOO,
  saveModel,
  type CheckpointError,
  type LoadedModel,
  type MaskPredictorModel,
} from '@mmada/mmada';

const config = MODEL_ZOO['mmada-tiny'];
let device: DeviceName;
let model: MaskPredictorModel;
const root = mkdtempSync(join(tmpdir(), 'mmada-ckpt-'));
let n = 0;
const freshDir = () => join(root, `c${n++}`);

beforeAll(async () => {
  device = await init({ device: deviceFromEnv() ?? 'cpu' });
  model = createModel(config, key(3), { device, std: 0.3 });
});

afterAll(() => {
  disposeModel(model);
  rmSync(root, { recursive: true, force: true });
});

async function load(dir: string, options = {}): Promise<LoadedModel> {
  const r = await loadModel(dir, { device, ...options })();
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

async function loadError(dir: string, options = {}): Promise<CheckpointError> {
  const before = memory().tensors;
  const r = await loadModel(dir, { device, ...options })();
  expect(memory().tensors).toBe(before); // nothing partial stays allocated
  if (E.isRight(r)) throw new Error('expected a load error');
  return r.left;
}

async function save(m: MaskPredictorModel, dir: string, options = {}): Promise<void> {
  const r = await saveModel(m, dir, options)();
  if (E.isLeft(r)) throw r.left;
}

async function values(m: MaskPredictorModel): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(flattenParameters(m.params))) out[name] = Array.from(await t.data());
  return out;
}

const filesOf = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

/** Writes config.json and the given tensors (by name) as a checkpoint. */
async function writeRaw(dir: string, tensors: Record<string, Tensor>, cfgText = configToJsonText(config)): Promise<void> {
  const r = await saveCheckpoint(dir, tensors)();
  if (E.isLeft(r)) throw r.left;
  writeFileSync(join(dir, 'config.json'), cfgText);
}

describe('save and load', () => {
  it('round-trips F32 exactly, with the upstream tensor names', async () => {
    const dir = freshDir();
    await save(model, dir);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    const back = await load(dir);
    expect(Object.keys(flattenParameters(back.params))).toEqual(Object.keys(flattenParameters(model.params)));
    expect(Object.keys(flattenParameters(back.params))).toContain('model.transformer.blocks.1.up_proj.weight');
    expect(await values(back)).toEqual(await values(model));
    expect(back.config).toMatchObject({ dModel: config.dModel, nLayers: config.nLayers, embeddingSize: config.embeddingSize });
    const again = freshDir();
    await save(back, again);
    expect(filesOf(again)).toEqual(filesOf(dir));
    disposeModel(back);
  });

  it('writes BF16 and F16 back as they were stored; F16 and BF16 weights stay half precision', async () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const dir = freshDir();
      await save(model, dir, { dtype });
      const back = await load(dir);
      expect(Object.values(back.storedDtypes).every((d) => d === dtype)).toBe(true);
      expect(back.params.model.transformer.wte.weight.dtype).toBe(dtype === 'F16' ? 'f16' : 'bf16');
      expect(back.params.model.transformer.wte.weight.bytes).toBe(config.embeddingSize * config.dModel * 2);
      const again = freshDir();
      await save(back, again);
      expect(filesOf(again)).toEqual(filesOf(dir));
      // the half-precision model still runs
      const ids = tensor([[1, 2, 3]], undefined, 'i32', { device });
      const logits = await scope(async () => maskPredictorForward(back.params, back.config, ids).data());
      expect(logits.every(Number.isFinite)).toBe(true);
      // the packed weights give the logits of the same weights widened to f32
      const wide = await load(dir, { weights: 'f32' });
      const ref = await scope(async () => maskPredictorForward(wide.params, wide.config, ids).data());
      ref.forEach((v, i) => expect(Math.abs(logits[i]! - v)).toBeLessThan(1e-4 * (1 + Math.abs(v))));
      ids.dispose();
      disposeModel(wide);
      disposeModel(back);
    }
  });

  it('f32 option widens F16 and BF16 weights', async () => {
    for (const dtype of ['BF16', 'F16'] as const) {
      const dir = freshDir();
      await save(model, dir, { dtype });
      const back = await load(dir, { weights: 'f32' });
      expect(back.params.model.transformer.blocks[0]!.q_proj.weight.dtype).toBe('f32');
      disposeModel(back);
    }
  });

  it('shards past maxShardBytes with an index, and loads the shards', async () => {
    const dir = freshDir();
    await save(model, dir, { maxShardBytes: 30_000 });
    const files = readdirSync(dir).sort();
    expect(files).toContain('model.safetensors.index.json');
    expect(files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(1);
    const back = await load(dir);
    expect(await values(back)).toEqual(await values(model));
    disposeModel(back);
  });
});

describe('load errors', () => {
  it('a missing tensor, by name', async () => {
    const dir = freshDir();
    const { ['model.transformer.blocks.1.v_proj.weight']: _dropped, ...rest } = flattenParameters(model.params);
    await writeRaw(dir, rest);
    const e = await loadError(dir);
    expect(e.kind).toBe('missing-tensor');
    expect(e.tensor).toBe('model.transformer.blocks.1.v_proj.weight');
    expect(e.message).toMatch(/model\.safetensors: tensor "model\.transformer\.blocks\.1\.v_proj\.weight": missing/);
  });

  it('an unexpected tensor, unless asked to ignore it', async () => {
    const dir = freshDir();
    const extra = zeros([2], 'f32', { device });
    await writeRaw(dir, { ...flattenParameters(model.params), 'model.transformer.blocks.7.q_proj.weight': extra });
    const e = await loadError(dir);
    expect(e.kind).toBe('unexpected-tensor');
    expect(e.tensor).toBe('model.transformer.blocks.7.q_proj.weight');
    const m = await load(dir, { ignoreUnexpected: true });
    disposeModel(m);
    extra.dispose();
  });

  it('a shape that disagrees with the config', async () => {
    const dir = freshDir();
    await writeRaw(dir, flattenParameters(model.params), configToJsonText({ ...config, mlpHiddenSize: 96, source: undefined }));
    const e = await loadError(dir);
    expect(e.kind).toBe('shape-mismatch');
    expect(e.tensor).toBe('model.transformer.blocks.0.ff_proj.weight');
    expect(e.message).toMatch(/shape \[64, 32\] does not match the config, which needs \[96, 32\]/);
  });

  it('a config.json that is missing or wrong', async () => {
    const dir = freshDir();
    await writeRaw(dir, flattenParameters(model.params), '{"d_model": "x"}');
    const e = await loadError(dir);
    expect(e.kind).toBe('config');
    expect(e.message).toMatch(/config\.json: key "d_model": expected a positive integer/);
    const e2 = await loadError(join(root, 'does-not-exist'));
    expect(e2.kind).toBe('config');
    expect(e2.message).toMatch(/does-not-exist\/config\.json: cannot read the file/);
  });

  it('a truncated weights file', async () => {
    const dir = freshDir();
    await save(model, dir);
    const file = join(dir, 'model.safetensors');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    const e = await loadError(dir);
    expect(e.kind).toBe('unreadable');
    expect(e.file).toBe(file);
  });

  it('a non-float weight', async () => {
    const dir = freshDir();
    const params = flattenParameters(model.params);
    const ints = zeros([config.dModel], 'i32', { device });
    await writeRaw(dir, { ...params, 'model.transformer.ln_f.weight': ints });
    const e = await loadError(dir);
    expect(e.kind).toBe('dtype');
    expect(e.tensor).toBe('model.transformer.ln_f.weight');
    ints.dispose();
  });

  it('weights over the device limits, before anything is loaded', async () => {
    const dir = freshDir();
    await save(model, dir);
    const e = await loadError(dir, { limits: { maxBufferSize: 10_000, maxStorageBufferBindingSize: 10_000 } });
    expect(e.kind).toBe('too-large');
    expect(e.tensor).toBe('model.transformer.wte.weight');
    expect(e.message).toMatch(/maxBufferSize/);
    // over one storage binding but within one buffer: loads (embedding and matmul bind it in row blocks)
    disposeModel(await load(dir, { limits: { maxBufferSize: 1 << 20, maxStorageBufferBindingSize: 10_000 } }));
    const e2 = await loadError(dir, { maxTotalBytes: 1000 });
    expect(e2.kind).toBe('too-large');
  });
});

describe('estimateMemory', () => {
  it('counts parameters and bytes from the config', () => {
    const est = estimateMemory(MODEL_ZOO['mmada-8b-base'], 2);
    expect(est.parameters).toBe(8_082_690_048);
    expect(est.largestTensor).toBe('model.transformer.wte.weight');
    expect(est.largestTensorBytes).toBe(134656 * 4096 * 2);
    expect(est.parameterBytes).toBe((8_082_690_048 - 65 * 4096) * 2 + 65 * 4096 * 4);
    // packed half weights: about 16 GB instead of 32 GB
    expect(est.parameterBytes / 1e9).toBeCloseTo(16.17, 2);
    expect(estimateMemory(MODEL_ZOO['mmada-8b-base']).parameterBytes).toBe(8_082_690_048 * 4);
  });

  it('takes the bytes of each tensor from a function (a checkpoint stored in mixed dtypes)', () => {
    const c = MODEL_ZOO['mmada-tiny'];
    const est = estimateMemory(c, (name) => (name.endsWith('wte.weight') ? 2 : 4));
    expect(est.parameterBytes).toBe(estimateMemory(c, 4).parameterBytes - c.embeddingSize * c.dModel * 2);
  });

  it('forward working memory: one block of intermediates plus the f32 logits, linear in tokens', () => {
    const c = MODEL_ZOO['mmada-8b-base'];
    const one = forwardActivationBytes(c, 1);
    expect(one).toBe((14 * 4096 + 4 * 12288 + 134656) * 4);
    expect(forwardActivationBytes(c, 512)).toBe(512 * one);
    expect(forwardActivationBytes(c, 0)).toBe(0);
  });
});
