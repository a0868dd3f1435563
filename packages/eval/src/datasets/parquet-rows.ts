import * as E from 'fp-ts/lib/Either.js';
import { FileKindError, openRegularFile } from '@mmada/tensor';
import type { DatasetError } from './dataset-error.js';
import { startParquetWorker, type ParquetWorkerLimits } from './parquet-worker.js';
import { toPlainValue, type RawRow } from './raw-row.js';

/** "PAR1", which a parquet file begins and ends with. */
const MAGIC = [0x50, 0x41, 0x52, 0x31];
/** Magic, footer length (4 bytes), magic. */
const MIN_PARQUET_BYTES = 12;

export type ReadParquetOptions = ParquetWorkerLimits;

/**
 * Streams the rows of a Parquet file as objects, one row group in memory at a time. The decoding runs in a
 * worker thread under a time and a memory bound (parquet-worker.ts), so a damaged file is a message, never a
 * hang or a crash. Any failure to open or decode the file gives one Left naming the file and what is wrong,
 * and ends the stream; so does a file with no rows.
 */
export async function* readParquetRows(file: string, options: ReadParquetOptions = {}): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  let opened;
  try {
    opened = await openRegularFile(file, 'dataset');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    yield E.left({ file, message: err instanceof FileKindError ? err.detail : `cannot read parquet file: ${e.code ?? e.message}` });
    return;
  }
  const { handle, size } = opened;
  let shape: string | undefined;
  try {
    shape = await checkParquetShape(handle, size);
  } finally {
    await handle.close().catch(() => {});
  }
  if (shape !== undefined) {
    yield E.left({ file, message: shape });
    return;
  }
  const worker = startParquetWorker(file, size, options);
  try {
    const first = await worker.next();
    if (first.type === 'error') {
      yield E.left({
        file,
        message: first.stage === 'schema' ? `not a readable parquet file: its schema cannot be read (${first.message})` : `not a readable parquet file: its footer (metadata) cannot be decoded (${first.message})`,
      });
      return;
    }
    if (first.type !== 'groups') throw new Error('parquet worker: expected the row groups first');
    const groups = first.rows;
    if (groups.reduce((a, b) => a + b, 0) === 0) {
      yield E.left({ file, message: 'the parquet file has no rows' });
      return;
    }
    let rowStart = 0;
    for (const n of groups) {
      const rowEnd = rowStart + n;
      worker.request();
      const m = await worker.next();
      if (m.type !== 'rows') {
        yield E.left({ file, row: rowStart + 1, message: `cannot decode rows ${rowStart + 1}..${rowEnd}: ${m.type === 'error' ? m.message : 'unexpected answer'}` });
        return;
      }
      for (let k = 0; k < m.rows.length; k++) yield E.right({ row: rowStart + k + 1, value: toPlainValue(m.rows[k]) as Record<string, unknown> });
      rowStart = rowEnd;
    }
  } finally {
    await worker.close();
  }
}

/** What is wrong with the file's frame (size and the PAR1 magic at both ends), or undefined. */
async function checkParquetShape(handle: { read(b: Uint8Array, o: number, l: number, p: number): Promise<{ bytesRead: number }> }, size: number): Promise<string | undefined> {
  if (size === 0) return 'the file is empty (0 bytes): not a parquet file';
  if (size < MIN_PARQUET_BYTES) return `the file is ${size} bytes, too short for a parquet file (at least ${MIN_PARQUET_BYTES}: "PAR1", footer length, "PAR1")`;
  const head = new Uint8Array(4);
  const tail = new Uint8Array(8);
  await handle.read(head, 0, 4, 0);
  await handle.read(tail, 0, 8, size - 8);
  const isMagic = (b: Uint8Array) => MAGIC.every((m, i) => b[i] === m);
  if (!isMagic(head) || !isMagic(tail.subarray(4))) return 'not a parquet file: it must begin and end with "PAR1"';
  const footer = new DataView(tail.buffer).getUint32(0, true);
  if (footer > size - MIN_PARQUET_BYTES) return `not a readable parquet file: its footer length ${footer} is larger than the file allows (${size - MIN_PARQUET_BYTES} bytes)`;
  return undefined;
}
