import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DatasetError, DatasetReadError, formatDatasetError, gqaLayout, gsm8kLayout, loadDataset, math500Layout, mmeLayout, mmluLayout,
  popeLayout, readDataset, readDatasetOrThrow, readJsonlRows, readParquetRows, readRows, vqaLayout,
} from '@mmada/eval';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let dir: string;
const jsonl = (name: string, lines: unknown[]) => {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
};
async function collect<T>(it: AsyncIterable<E.Either<DatasetError, T>>) {
  const out: E.Either<DatasetError, T>[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const lefts = <T>(xs: E.Either<DatasetError, T>[]) => xs.filter(E.isLeft).map((x) => x.left);
const rights = <T>(xs: E.Either<DatasetError, T>[]) => xs.filter(E.isRight).map((x) => x.right);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eval-datasets-'));
});

describe('formatDatasetError', () => {
  it('names file, row and field', () => {
    expect(formatDatasetError({ file: 'a.jsonl', row: 3, field: 'answer', message: 'missing' })).toBe('a.jsonl, row 3, field "answer": missing');
    expect(formatDatasetError({ file: 'a.jsonl', message: 'cannot read file: ENOENT' })).toBe('a.jsonl: cannot read file: ENOENT');
    expect(new DatasetReadError({ file: 'f', row: 1, message: 'm' }).message).toBe('f, row 1: m');
  });
});

describe('readJsonlRows', () => {
  it('streams objects with line numbers, skipping blank lines and reporting bad lines', async () => {
    const path = jsonl('raw.jsonl', [{ a: 1 }, '', '{not json', '[1,2]', { b: 2 }]);
    const rows = await collect(readJsonlRows(path));
    expect(rights(rows)).toEqual([{ row: 1, value: { a: 1 } }, { row: 5, value: { b: 2 } }]);
    const errs = lefts(rows);
    expect(errs.map((e) => e.row)).toEqual([3, 4]);
    expect(errs[0].message).toMatch(/invalid JSON/);
    expect(errs[1].message).toBe('expected a JSON object, got array');
  });
  it('a missing file is one Left', async () => {
    const rows = await collect(readJsonlRows(join(dir, 'nope.jsonl')));
    expect(rows).toHaveLength(1);
    expect(lefts(rows)[0]).toMatchObject({ message: 'cannot read file: ENOENT' });
  });
});

describe('GSM8K layout', () => {
  it('reads JSONL and names the row and field of malformed records', async () => {
    const path = jsonl('gsm8k.jsonl', [
      { question: 'q1', answer: 'work\n#### 1,000' },
      { question: 'q2', answer: 42 },
      { answer: '#### 3' },
      { question: 'q4', answer: 'no marker' },
    ]);
    const rows = await collect(readDataset(path, gsm8kLayout));
    expect(rights(rows)).toEqual([{ id: '1', question: 'q1', answer: 'work\n#### 1,000', gold: '1,000' }]);
    expect(lefts(rows).map(formatDatasetError)).toEqual([
      `${path}, row 2, field "answer": expected a string, got number (gsm8k layout)`,
      `${path}, row 3, field "question": missing (gsm8k layout)`,
      `${path}, row 4, field "answer": no "#### N" gold answer in the solution (gsm8k layout)`,
    ]);
  });

  it('streams a Parquet file across row groups', async () => {
    const rows = await collect(readDataset(fixture('gsm8k.parquet'), gsm8kLayout));
    expect(rights(rows).map((r) => r.gold)).toEqual(['72', '10', '5', '624']);
    expect(lefts(rows)).toEqual([{ file: fixture('gsm8k.parquet'), row: 4, field: 'answer', message: 'no "#### N" gold answer in the solution (gsm8k layout)' }]);
  });

  it('loadDataset stops at the first error; readDatasetOrThrow throws a named error', async () => {
    const bad = await loadDataset(fixture('gsm8k.parquet'), gsm8kLayout);
    expect(E.isLeft(bad) && bad.left.row).toBe(4);
    const good = await loadDataset(jsonl('ok.jsonl', [{ question: 'q', answer: '#### 1' }]), gsm8kLayout);
    expect(E.isRight(good) && good.right.length).toBe(1);
    const seen: string[] = [];
    await expect(async () => {
      for await (const r of readDatasetOrThrow(fixture('gsm8k.parquet'), gsm8kLayout)) seen.push(r.gold);
    }).rejects.toThrow(/gsm8k\.parquet, row 4, field "answer"/);
    expect(seen).toEqual(['72', '10', '5']);
  });
});

describe('Parquet reading', () => {
  it('reads list columns, converts bigints, and reports bad values with their row', async () => {
    const rows = await collect(readDataset(fixture('mmlu.parquet'), mmluLayout));
    expect(rights(rows)).toEqual([
      { id: '1', question: '2 + 2 = ?', choices: ['3', '4', '5', '6'], answer: 1, subject: 'elementary_mathematics' },
      { id: '2', question: 'Capital of France?', choices: ['Lyon', 'Paris', 'Nice', 'Lille'], answer: 1, subject: 'geography' },
    ]);
    expect(lefts(rows)[0]).toMatchObject({ row: 3, field: 'answer', message: 'choice index 7 out of range for 4 choices (mmlu layout)' });
  });

  it('reads VQAv2-style answers objects', async () => {
    const rows = rights(await collect(readDataset(fixture('vqav2.parquet'), vqaLayout)));
    expect(rows[0]).toEqual({ id: '262148000', question: 'What color is the bus?', answers: ['red', 'red', 'red', 'dark red'], answerType: 'other' });
    expect(rows[1].answers).toEqual(['2', '2', 'two', '3']);
  });

  it('readRows picks the reader by extension; a non-parquet file is one Left', async () => {
    const raw = rights(await collect(readRows(fixture('mmlu.parquet'))));
    expect(raw.map((r) => r.row)).toEqual([1, 2, 3]);
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'not parquet at all');
    const rows = await collect(readParquetRows(bad));
    expect(rows).toHaveLength(1);
    expect(lefts(rows)[0].message).toBe('not a parquet file: it must begin and end with "PAR1"');
  });

  it('streams a parquet file written in the test, one row group at a time', async () => {
    const path = join(dir, 'math.parquet');
    const n = 25;
    parquetWriteFile({
      filename: path,
      rowGroupSize: 10,
      columnData: [
        { name: 'problem', type: 'STRING', data: Array.from({ length: n }, (_, k) => `What is ${k} + ${k}?`) },
        { name: 'answer', type: 'STRING', data: Array.from({ length: n }, (_, k) => String(2 * k)) },
        { name: 'level', type: 'INT32', data: Array.from({ length: n }, (_, k) => 1 + (k % 5)) },
      ],
    });
    const rows = rights(await collect(readDataset(path, math500Layout)));
    expect(rows).toHaveLength(n);
    expect(rows[24]).toEqual({ id: '25', problem: 'What is 24 + 24?', answer: '48', level: 5 });
  });
});

describe('other layouts', () => {
  it('MATH-500', async () => {
    const path = jsonl('math500.jsonl', [
      { problem: 'p', answer: '\\frac12', solution: 's', subject: 'Algebra', level: 2, unique_id: 'test/algebra/1.json' },
      { problem: 'p', answer: 5, level: 'hard' },
    ]);
    const rows = await collect(readDataset(path, math500Layout));
    expect(rights(rows)).toEqual([{ id: 'test/algebra/1.json', problem: 'p', answer: '\\frac12', solution: 's', subject: 'Algebra', level: 2 }]);
    expect(lefts(rows)[0]).toMatchObject({ row: 2, field: 'level' });
  });

  it('MMLU accepts letter answers and rejects bad choices', async () => {
    const path = jsonl('mmlu.jsonl', [
      { question: 'q', choices: ['a', 'b', 'c'], answer: 'C' },
      { question: 'q', choices: ['a', 2], answer: 0 },
      { question: 'q', choices: ['a'], answer: 0 },
    ]);
    const rows = await collect(readDataset(path, mmluLayout));
    expect(rights(rows)[0].answer).toBe(2);
    expect(lefts(rows).map((e) => [e.row, e.field])).toEqual([[2, 'choices[1]'], [3, 'choices']]);
  });

  it('POPE with image paths and yes/no answers', async () => {
    const path = jsonl('pope.jsonl', [
      { question_id: 7, question: 'Is there a dog?', answer: 'Yes ', category: 'adversarial', image_source: 'COCO_1', image: 'img/1.jpg' },
      { question_id: 8, question: 'Is there a cat?', answer: 'maybe' },
      { question_id: 9, question: 'Is there a cat?', answer: 'no', image: 3 },
    ]);
    const rows = await collect(readDataset(path, popeLayout));
    expect(rights(rows)).toEqual([
      { id: '7', question: 'Is there a dog?', answer: 'yes', category: 'adversarial', imageSource: 'COCO_1', image: { path: 'img/1.jpg' } },
    ]);
    expect(lefts(rows).map((e) => [e.row, e.field])).toEqual([[2, 'answer'], [3, 'image']]);
  });

  it('VQA answers must be strings or { answer } objects', async () => {
    const path = jsonl('vqa.jsonl', [
      { question_id: 1, question: 'q', answers: ['a', 'b'], image: { path: 'x.png' } },
      { question_id: 2, question: 'q', answers: [{ answer: 'a' }, { nope: 1 }] },
      { question_id: 3, question: 'q', answers: [] },
    ]);
    const rows = await collect(readDataset(path, vqaLayout));
    expect(rights(rows)).toEqual([{ id: '1', question: 'q', answers: ['a', 'b'], image: { path: 'x.png' } }]);
    expect(lefts(rows).map((e) => [e.row, e.field])).toEqual([[2, 'answers[1]'], [3, 'answers']]);
  });

  it('GQA and MME', async () => {
    const gqa = rights(await collect(readDataset(jsonl('gqa.jsonl', [{ id: 'g1', question: 'q', answer: 'left', imageId: 'n123' }]), gqaLayout)));
    expect(gqa).toEqual([{ id: 'g1', question: 'q', answer: 'left', image: { path: 'n123' } }]);
    const mme = await collect(
      readDataset(
        jsonl('mme.jsonl', [
          { question_id: 'code/1.png', question: 'q?', answer: 'Yes', category: 'code_reasoning' },
          { question_id: 'code/1.png', question: 'q?', answer: 'No' },
        ]),
        mmeLayout,
      ),
    );
    expect(rights(mme)).toEqual([{ id: 'code/1.png#1', imageId: 'code/1.png', question: 'q?', answer: 'yes', category: 'code_reasoning' }]);
    expect(lefts(mme)[0]).toMatchObject({ row: 2, field: 'category' });
  });
});
