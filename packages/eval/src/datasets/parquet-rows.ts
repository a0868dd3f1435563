import * as E from 'fp-ts/lib/Either.js';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer } from 'hyparquet';
import { FileKindError, openRegularFile } from '@mmada/tensor';
import type { DatasetError } from './dataset-error.js';
import { toPlainValue, type RawRow } from './raw-row.js';

/** "PAR1", which a parquet file begins and ends with. */
const MAGIC = [0x50, 0x41, 0x52, 0x31];
/** Magic, footer length (4 bytes), magic. */
const MIN_PARQUET_BYTES = 12;

/**
 * Streams the rows of a Parquet file as objects, one row group in memory at a time. Any failure to
 * open or decode the file gives one Left naming the file and what is wrong, and ends the stream; so does
 * a file with no rows.
 */
export async function* readParquetRows(file: string): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  let opened;
  try {
    opened = await openRegularFile(file, 'dataset');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    yield E.left({ file, message: err instanceof FileKindError ? err.detail : `cannot read parquet file: ${e.code ?? e.message}` });
    return;
  }
  const { handle, size } = opened;
  try {
    const buffer: AsyncBuffer = {
      byteLength: size,
      slice: async (start, end = size) => {
        const bytes = new Uint8Array(Math.max(0, Math.min(end, size) - start));
        let done = 0;
        while (done < bytes.byteLength) {
          const { bytesRead } = await handle.read(bytes, done, bytes.byteLength - done, start + done);
          if (bytesRead === 0) throw new Error(`the file ended at byte ${start + done} (was it truncated while being read?)`);
          done += bytesRead;
        }
        return bytes.buffer;
      },
    };
    const shape = await checkParquetShape(buffer);
    if (shape !== undefined) {
      yield E.left({ file, message: shape });
      return;
    }
    let metadata;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (err) {
      yield E.left({ file, message: `not a readable parquet file: its footer (metadata) cannot be decoded (${(err as Error).message})` });
      return;
    }
    if (Number(metadata.num_rows) === 0 || metadata.row_groups.length === 0) {
      yield E.left({ file, message: 'the parquet file has no rows' });
      return;
    }
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      let rows;
      try {
        rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, rowFormat: 'object' });
      } catch (err) {
        yield E.left({ file, row: rowStart + 1, message: `cannot decode rows ${rowStart + 1}..${rowEnd}: ${(err as Error).message}` });
        return;
      }
      for (let k = 0; k < rows.length; k++) {
        yield E.right({ row: rowStart + k + 1, value: toPlainValue(rows[k]) as Record<string, unknown> });
      }
      rowStart = rowEnd;
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

/** What is wrong with the file's frame (size and the PAR1 magic at both ends), or undefined. */
async function checkParquetShape(buffer: AsyncBuffer): Promise<string | undefined> {
  if (buffer.byteLength === 0) return 'the file is empty (0 bytes): not a parquet file';
  if (buffer.byteLength < MIN_PARQUET_BYTES) return `the file is ${buffer.byteLength} bytes, too short for a parquet file (at least ${MIN_PARQUET_BYTES}: "PAR1", footer length, "PAR1")`;
  const head = new Uint8Array(await buffer.slice(0, 4));
  const tail = new Uint8Array(await buffer.slice(buffer.byteLength - 4));
  const isMagic = (b: Uint8Array) => MAGIC.every((m, i) => b[i] === m);
  if (!isMagic(head) || !isMagic(tail)) return `not a parquet file: it must begin and end with "PAR1"`;
  const footer = new DataView(await buffer.slice(buffer.byteLength - 8, buffer.byteLength - 4)).getUint32(0, true);
  if (footer > buffer.byteLength - MIN_PARQUET_BYTES) return `not a readable parquet file: its footer length ${footer} is larger than the file allows (${buffer.byteLength - MIN_PARQUET_BYTES} bytes)`;
  return undefined;
}
