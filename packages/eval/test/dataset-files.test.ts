// Dataset files that hold nothing, hold invalid UTF-8, are not parquet, or are not files: each one Left naming the file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonlRows } from '../src/datasets/jsonl-rows.js';
import { readParquetRows } from '../src/datasets/parquet-rows.js';
import type { DatasetError } from '../src/datasets/dataset-error.js';
import type { RawRow } from '../src/datasets/raw-row.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eval-dataset-files-'));
});
const file = (name: string, bytes: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
async function collect(it: AsyncIterable<E.Either<DatasetError, RawRow>>) {
  const out: E.Either<DatasetError, RawRow>[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readJsonlRows on unusual files', () => {
  it('an empty file is one Left naming it', async () => {
    const path = file('empty.jsonl', '');
    expect(await collect(readJsonlRows(path))).toEqual([E.left({ file: path, message: 'the file is empty: a JSONL dataset needs one JSON object per line' })]);
  });

  it('a file of blank lines is one Left saying so', async () => {
    const path = file('blank.jsonl', '\n  \n\t\r\n');
    expect(await collect(readJsonlRows(path))).toEqual([E.left({ file: path, message: "no rows: the file's 3 lines are all blank" })]);
  });

  it('invalid UTF-8 is a Left naming the row, not a silent U+FFFD; other rows still read', async () => {
    const enc = new TextEncoder();
    const bytes = Uint8Array.from([...enc.encode('{"a":"ok"}\n{"a":"'), 0xff, 0xfe, ...enc.encode('"}\r\n{"a":"é"}')]);
    const rows = await collect(readJsonlRows(file('bad-utf8.jsonl', bytes)));
    expect(rows).toEqual([
      E.right({ row: 1, value: { a: 'ok' } }),
      E.left({ file: join(dir, 'bad-utf8.jsonl'), row: 2, message: 'invalid UTF-8' }),
      E.right({ row: 3, value: { a: 'é' } }),
    ]);
    // A lone invalid row is that row's error, not "no rows".
    const lone = await collect(readJsonlRows(file('lone.jsonl', Uint8Array.from([0xc3]))));
    expect(lone.map((r) => E.isLeft(r) && r.left.message)).toEqual(['invalid UTF-8']);
  });

  it('lines split across read chunks, CRLF endings and a last line without newline', async () => {
    const long = 'x'.repeat(200_000);
    const path = file('long.jsonl', `{"a":"${long}"}\r\n{"b":1}`);
    const rows = await collect(readJsonlRows(path));
    expect(rows.map((r) => E.isRight(r) && Object.keys(r.right.value)[0])).toEqual(['a', 'b']);
    expect(E.isRight(rows[0]!) && (rows[0].right.value.a as string).length).toBe(200_000);
  });

  it('a FIFO or a directory is refused at once', async () => {
    const fifo = join(dir, 'pipe.jsonl');
    execFileSync('mkfifo', [fifo]);
    expect(await collect(readJsonlRows(fifo))).toEqual([E.left({ file: fifo, message: 'is a FIFO (named pipe); the dataset must be a regular file' })]);
    expect(await collect(readJsonlRows(dir))).toEqual([E.left({ file: dir, message: 'is a directory; the dataset must be a regular file' })]);
  });
});

describe('readParquetRows on unusual files', () => {
  it('an empty file names the file and says it is empty (not "Offset is outside the bounds of the DataView")', async () => {
    const path = file('empty.parquet', '');
    expect(await collect(readParquetRows(path))).toEqual([E.left({ file: path, message: 'the file is empty (0 bytes): not a parquet file' })]);
  });

  it('a short file, a file without the PAR1 magic, and a footer length beyond the file', async () => {
    const short = file('short.parquet', 'PAR1');
    expect((await collect(readParquetRows(short))).map((r) => E.isLeft(r) && r.left.message)).toEqual([
      'the file is 4 bytes, too short for a parquet file (at least 12: "PAR1", footer length, "PAR1")',
    ]);
    const footer = new Uint8Array([0x50, 0x41, 0x52, 0x31, 0, 0, 0, 0, 0xff, 0, 0, 0, 0x50, 0x41, 0x52, 0x31]);
    expect((await collect(readParquetRows(file('footer.parquet', footer)))).map((r) => E.isLeft(r) && r.left.message)).toEqual([
      'not a readable parquet file: its footer length 255 is larger than the file allows (4 bytes)',
    ]);
    const garbage = new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3, 4, 4, 0, 0, 0, 0x50, 0x41, 0x52, 0x31]);
    const g = await collect(readParquetRows(file('garbage.parquet', garbage)));
    expect(g).toHaveLength(1);
    expect(E.isLeft(g[0]!) && g[0].left.message).toMatch(/^not a readable parquet file: its footer \(metadata\) cannot be decoded/);
  });

  it('a valid parquet file with no rows is one Left', async () => {
    const path = join(dir, 'none.parquet');
    parquetWriteFile({ filename: path, columnData: [{ name: 'question', type: 'STRING', data: [] }] });
    expect(await collect(readParquetRows(path))).toEqual([E.left({ file: path, message: 'the parquet file has no rows' })]);
  });

  it('a FIFO is refused at once', async () => {
    const fifo = join(dir, 'pipe.parquet');
    execFileSync('mkfifo', [fifo]);
    expect(await collect(readParquetRows(fifo))).toEqual([E.left({ file: fifo, message: 'is a FIFO (named pipe); the dataset must be a regular file' })]);
  });
});

describe('readParquetRows on a file that makes the decoder loop', () => {
  it('stops the decoding worker after the time bound and names the rows (the process lives on)', async () => {
    // Found by the fuzz suite: a damaged page makes hyparquet count down a huge bit-packed run of width 0.
    const path = fileURLToPath(new URL('./fixtures/decoder-loop.parquet', import.meta.url));
    const rows = await collect(readParquetRows(path, { timeoutMs: 1500 }));
    expect(rows).toEqual([E.left({ file: path, row: 1, message: 'cannot decode rows 1..3: no answer from the decoder within 1.5 s (a damaged file can make it loop)' })]);
  });

  it('bounds the decoder memory', async () => {
    const path = join(dir, 'small-heap.parquet');
    parquetWriteFile({ filename: path, columnData: [{ name: 'question', type: 'STRING', data: Array.from({ length: 2000 }, (_, i) => `question ${i} `.repeat(50)) }] });
    const rows = await collect(readParquetRows(path, { maxMemoryMb: 1 }));
    expect(rows).toEqual([E.left({ file: path, message: 'not a readable parquet file: its footer (metadata) cannot be decoded (decoding needs more than 1 MB of memory)' })]);
    // The same file with the default bound reads whole.
    expect((await collect(readParquetRows(path))).filter(E.isRight)).toHaveLength(2000);
  });
});
