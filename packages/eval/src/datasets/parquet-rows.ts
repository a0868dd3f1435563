import * as E from 'fp-ts/lib/Either.js';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { DatasetError } from './dataset-error.js';
import { toPlainValue, type RawRow } from './raw-row.js';

/**
 * Streams the rows of a Parquet file as objects, one row group in memory at a time. Any failure to
 * open or decode the file gives one Left and ends the stream.
 */
export async function* readParquetRows(file: string): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  let buffer;
  let metadata;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    yield E.left({ file, message: `cannot read parquet file: ${e.code ?? e.message}` });
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
}
