// Dataset files (JSONL, parquet) under damaged bytes: every row read is a record or a DatasetError naming the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { gsm8kLayout, mmluLayout, readDataset, readParquetRows, type DatasetError } from '@mmada/eval';
import { fuzzParser, type Outcome } from './fuzz-parser.js';
import { damagedBytes } from './mutations.js';

const dir = mkdtempSync(join(tmpdir(), 'mmada-fuzz-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every item must be a Right or a DatasetError for this file with a message; 'value' when all rows decoded. */
async function drain<T>(items: AsyncIterable<E.Either<DatasetError, T>> | Iterable<E.Either<DatasetError, T>>, file: string): Promise<Outcome> {
  let errors = 0;
  let n = 0;
  for await (const item of items) {
    n++;
    if (E.isLeft(item)) {
      expect(item.left.file).toBe(file);
      expect(typeof item.left.message === 'string' && item.left.message !== '').toBe(true);
      if (item.left.row !== undefined) expect(Number.isSafeInteger(item.left.row) && item.left.row >= 1).toBe(true);
      errors++;
    }
    if (n > 10_000) throw new Error('more items than the file could hold');
  }
  expect(n).toBeGreaterThan(0); // an empty file is a Left, never silence
  return errors === 0 ? 'value' : 'error';
}

const enc = new TextEncoder();
const jsonl = [
  enc.encode(['{"question":"What is 2+2?","answer":"2+2=4\\n#### 4"}', '{"question":"é?","answer":"#### 1,000"}', ''].join('\n')),
  enc.encode('{"question":"q","answer":"#### 7"}\r\n\r\n{"question":"r","answer":"#### 8"}'),
];

describe('fuzz: datasets', () => {
  it('JSONL (gsm8k layout): damaged files, blank files, arbitrary bytes', async () => {
    const file = join(dir, 'fuzz.jsonl');
    await fuzzParser({
      parser: 'JSONL rows',
      inputs: fc.oneof({ weight: 4, arbitrary: damagedBytes(jsonl) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.stringMatching(/^[ \t\r\n]*$/).map((s) => enc.encode(s)) }),
      run: async (bytes) => {
        writeFileSync(file, bytes);
        return drain(readDataset(file, gsm8kLayout), file);
      },
      numRuns: 600,
    });
  });

  it('parquet: damaged files', async () => {
    const valid = [
      new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'question', type: 'STRING', data: ['a', 'b', 'c'] }, { name: 'choices', type: 'JSON', data: [['x', 'y'], ['x', 'y'], ['x', 'y']] }, { name: 'answer', type: 'INT32', data: [0, 1, 1] }] })),
      new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'question', type: 'STRING', data: ['q1', 'q2'] }, { name: 'answer', type: 'STRING', data: ['#### 1', '#### 2'] }], rowGroupSize: 1 })),
    ];
    const file = join(dir, 'fuzz.parquet');
    let stopped = 0;
    await fuzzParser({
      parser: 'parquet rows',
      inputs: damagedBytes(valid, 3),
      run: async (bytes) => {
        writeFileSync(file, bytes);
        // A decoder that loops is stopped at 3 s (the worker's bound), inside this parser's 10 s per-input bound
        // (a worker's start is most of the time here, and it slows down a lot on a busy machine).
        const items = [];
        for await (const item of readParquetRows(file, { timeoutMs: 3000 })) items.push(item);
        if (items.some((i) => E.isLeft(i) && i.left.message.includes('no answer from the decoder'))) stopped++;
        return drain(items, file);
      },
      numRuns: 60,
      timeBoundMs: 10_000,
    });
    console.log(`fuzz parquet rows: ${stopped} inputs stopped by the decoder's time bound`);
    // The MMLU layout over the undamaged file reads three records.
    writeFileSync(file, valid[0]!);
    const rows = [];
    for await (const r of readDataset(file, mmluLayout)) rows.push(r);
    expect(rows.filter(E.isRight)).toHaveLength(3);
  });
});
