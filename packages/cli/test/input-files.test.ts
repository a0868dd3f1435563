// Files the CLI reads for training data and dataset images: FIFOs refused, invalid UTF-8 named by line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { readPairsJsonl } from '../src/commands/train-data.js';
import { imageInputPixels } from '../src/model-adapter.js';

const dir = mkdtempSync(join(tmpdir(), 'mmada-cli-input-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = (name: string) => {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};

describe('readPairsJsonl', () => {
  it('reads pairs, and names the line of invalid UTF-8', async () => {
    const enc = new TextEncoder();
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, '{"prompt":"a","answer":"b"}\n\n{"question":"é","answer":"d"}');
    expect(await readPairsJsonl(good)).toEqual(E.right([{ prompt: 'a', answer: 'b' }, { prompt: 'é', answer: 'd' }]));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, Uint8Array.from([...enc.encode('{"prompt":"a","answer":"b"}\n{"prompt":"'), 0xc0, 0xaf, ...enc.encode('","answer":"b"}\n')]));
    const r = await readPairsJsonl(bad);
    expect(E.isLeft(r) && r.left.message).toBe(`${bad}:2: invalid UTF-8`);
  });

  it('refuses a FIFO at once and reports an empty file', async () => {
    const p = fifo('pipe.jsonl');
    const r = await readPairsJsonl(p);
    expect(E.isLeft(r) && r.left.message).toBe(`${p}: is a FIFO (named pipe); the training data file must be a regular file`);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const e = await readPairsJsonl(empty);
    expect(E.isLeft(e) && e.left.message).toBe(`${empty}: no examples`);
  });
});

describe('imageInputPixels', () => {
  it('refuses a FIFO as a dataset image instead of blocking', async () => {
    const p = fifo('pipe.png');
    await expect(imageInputPixels({ path: p } as never)).rejects.toThrow(`${p}: is a FIFO (named pipe); the image must be a regular file`);
  });
});
