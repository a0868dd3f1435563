// `mmada eval` on a dataset file with nothing in it, or invalid UTF-8: an error naming the file (and row), exit 1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mmada } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'mmada-eval-data-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// The dataset is read before the model: these runs stop there, so no model is needed.
const model = join(root, 'no-model');

describe('mmada eval --data', () => {
  it('an empty or blank JSONL is an error naming the file, not an evaluation of n = 0', async () => {
    const empty = join(root, 'empty.jsonl');
    writeFileSync(empty, '');
    const r = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', empty, '--device', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mmada eval: ${empty}: the file is empty: a JSONL dataset needs one JSON object per line\n`);
    const blank = join(root, 'blank.jsonl');
    writeFileSync(blank, '\n\n');
    expect((await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', blank, '--device', 'cpu')).stderr).toBe(`mmada eval: ${blank}: no rows: the file's 2 lines are all blank\n`);
  });

  it('invalid UTF-8 names the file and row; an empty parquet names the file and what is wrong', async () => {
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, Buffer.concat([Buffer.from('{"question":"q","answer":"#### 1"}\n{"question":"'), Buffer.from([0xff]), Buffer.from('","answer":"#### 2"}\n')]));
    const r = await mmada('eval', '--task', 'gsm8k', '--model', model, '--data', bad, '--device', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mmada eval: ${bad}, row 2: invalid UTF-8\n`);
    const parquet = join(root, 'empty.parquet');
    writeFileSync(parquet, '');
    expect((await mmada('eval', '--task', 'mmlu', '--model', model, '--data', parquet, '--device', 'cpu')).stderr).toBe(`mmada eval: ${parquet}: the file is empty (0 bytes): not a parquet file\n`);
  });
});
