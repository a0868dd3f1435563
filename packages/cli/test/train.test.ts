import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { deviceFromEnv } from '@mmada/tensor';
import { disposeModel, loadModel, loadTextTokenizer } from '@mmada/mmada';
import { mmada } from './support.js';
import { readPairsJsonl, tokenizePairs } from '../src/commands/train-data.js';

const device = deviceFromEnv() ?? 'cpu';
const root = mkdtempSync(join(tmpdir(), 'mmada-train-cli-'));
const data = join(root, 'pairs.jsonl');
// The zoo's small configs take the ids of the tokenizer the tests build (packages/mmada/scripts/make-tiny-tokenizer.ts).
const tinyTokenizer = fileURLToPath(new URL('../../mmada/test/fixtures/tiny-tokenizer/', import.meta.url));

beforeAll(() => {
  const rows = [
    { prompt: 'red', answer: 'apple' },
    { question: 'blue', answer: 'sky' },
    { prompt: 'green', completion: 'leaf' },
    { prompt: 'white', answer: 'snow' },
  ];
  writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mmada train', () => {
  it('trains a zoo config on a JSONL file into a loadable model directory, and resumes', async () => {
    const out = join(root, 'run');
    const common = ['--config', 'mmada-tiny', '--tokenizer', tinyTokenizer, '--data', data, '--batch', '4', '--lr', '1e-2', '--out', out, '--device', device, '--format', 'raw'];
    const first = await mmada('train', ...common, '--steps', '6', '--checkpoint-every', '3', '--json');
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ steps: 6, startStep: 0, examples: 4, batch: 4, out });
    expect(summary.firstLoss).toBeGreaterThan(0);
    expect(first.stderr).toMatch(/step 6\/6 · loss/);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'loss.jsonl', 'loss.svg', 'checkpoint/latest.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'loss.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);

    const again = await mmada('train', ...common, '--steps', '6');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--resume .* --overwrite/);

    const more = await mmada('train', ...common, '--steps', '8', '--resume', '--json');
    expect(more.code, more.stderr).toBe(0);
    expect(JSON.parse(more.stdout)).toMatchObject({ steps: 8, startStep: 6 });
    expect(readFileSync(join(out, 'loss.jsonl'), 'utf8').trim().split('\n')).toHaveLength(8);

    const info = await mmada('info', '--model', out, '--json');
    expect(info.code, info.stderr).toBe(0);
    const model = await loadModel(out, { device })();
    const tokenizer = await loadTextTokenizer(out)();
    expect(E.isRight(model) && E.isRight(tokenizer)).toBe(true);
    if (E.isRight(model)) disposeModel(model.right);
  });

  it('trains on generated ShapesWorld reasoning in the chat format and prints where things are', async () => {
    const out = join(root, 'shapes');
    const r = await mmada('train', '--config', 'mmada-tiny', '--tokenizer', tinyTokenizer, '--data', 'shapesworld-reasoning', '--examples', '8', '--steps', '2', '--batch', '2', '--out', out, '--device', device);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trained mmada-tiny for 2 steps/);
    expect(r.stdout).toContain(join(out, 'loss.svg'));
    expect(r.stderr).toMatch(/training .* 8 examples, batch 2, 2 steps/);
  });

  it('rejects bad command lines and bad data with a message', async () => {
    expect((await mmada('train', '--config', 'mmada-tiny', '--out', join(root, 'x'))).stderr).toMatch(/--data .* is required/);
    expect((await mmada('train', '--config', 'nope', '--data', data, '--out', join(root, 'x'))).stderr).toMatch(/neither a zoo config/);
    // A zoo config brings no tokenizer, and the CLI reads no other package's fixtures to find one.
    expect((await mmada('train', '--config', 'mmada-tiny', '--data', data, '--out', join(root, 'x'), '--device', device)).stderr).toMatch(/no tokenizer for --config mmada-tiny: pass --tokenizer DIR/);
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, '{"prompt": "a", "answer": "b"}\n{"text": 1}\n');
    const r = await mmada('train', '--config', 'mmada-tiny', '--tokenizer', tinyTokenizer, '--data', bad, '--out', join(root, 'x'), '--device', device);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.jsonl:2: expected string fields prompt and answer');
  });

  it('reads prompt/answer, question/answer and prompt/completion rows', async () => {
    const pairs = await readPairsJsonl(data);
    expect(pairs).toEqual({ _tag: 'Right', right: [{ prompt: 'red', answer: 'apple' }, { prompt: 'blue', answer: 'sky' }, { prompt: 'green', answer: 'leaf' }, { prompt: 'white', answer: 'snow' }] });
    const tok = { encode: (s: string) => [...s].map((c) => c.charCodeAt(0)) } as unknown as Parameters<typeof tokenizePairs>[1];
    expect(tokenizePairs([{ prompt: 'a', answer: 'b ' }], tok, { format: 'raw' })).toEqual([{ prompt: [97], answer: [98, 32] }]);
  });
});
