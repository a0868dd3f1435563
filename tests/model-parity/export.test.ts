/**
 * The other direction of checkpoint exchange: a model MMaDA-TS writes (saveModel: config.json + model.safetensors
 * with the upstream tensor names) read by the independent PyTorch implementation of the published architecture
 * (`scripts/reference/llada_reference.py --logits DIR IDS`) gives the logits the TypeScript forward gives, within
 * 1e-4. Needs /usr/bin/python3 with torch (Debian: python3-torch; scripts/setup-torch.sh installs it, and
 * setup-webgpu.sh runs that under CI=true); skipped, saying so, where there is none, except under CI=true, where
 * a missing torch fails the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key, scope, tensor } from '@mmada/tensor';
import { createModel, disposeModel, maskPredictorForward, MODEL_ZOO, saveModel } from '@mmada/mmada';
import { initTestDevice } from '../support/devices.js';
import { expectClose } from '../support/expect-close.js';

const PYTHON = '/usr/bin/python3';
const script = fileURLToPath(new URL('../../scripts/reference/llada_reference.py', import.meta.url));
const torch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const noTorch = torch.status === 0 ? undefined : `${PYTHON} with torch is not available (${(torch.error?.message ?? torch.stderr).trim().split('\n').pop()})`;
const dir = mkdtempSync(join(tmpdir(), 'mmada-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENCODINGS = {
  rope: MODEL_ZOO['mmada-tiny'],
  'alibi without rope': { ...MODEL_ZOO['mmada-tiny'], rope: false, alibiBiasMax: 8 },
  'alibi and rope': { ...MODEL_ZOO['mmada-tiny'], alibiBiasMax: 4 },
} as const;

describe.each(Object.entries(ENCODINGS))('a checkpoint written here, read by the PyTorch reference (%s)', (name, config) => {
  const ids = [280, 17, 3, 293, 120, 55, 293, 281];
  const modelDir = join(dir, name.replace(/ /g, '-'));
  let logits: Float32Array;

  beforeAll(async () => {
    const device = await initTestDevice();
    const model = createModel(config, key(21), { device, std: 0.3 });
    try {
      const saved = await saveModel(model, modelDir)();
      if (E.isLeft(saved)) throw saved.left;
      logits = await scope(async () => {
        const y = maskPredictorForward(model.params, model.config, tensor([ids], undefined, 'i32', { device }));
        return Float32Array.from(await y.data());
      });
    } finally {
      disposeModel(model);
    }
  });

  it('gives the logits of the TypeScript forward pass', async (ctx) => {
    if (noTorch && process.env.CI === 'true') throw new Error(`${noTorch}; CI installs it with scripts/setup-torch.sh`);
    if (noTorch) ctx.skip(noTorch);
    const r = spawnSync(PYTHON, [script, '--logits', modelDir, ids.join(',')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as { shape: number[]; logits: number[] };
    expect(ref.shape).toEqual([1, ids.length, config.embeddingSize]);
    await expectClose(logits, ref.logits, { atol: 1e-4, rtol: 1e-4 }, 'logits');
  });
});
