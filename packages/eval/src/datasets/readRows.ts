import type * as E from 'fp-ts/lib/Either.js';
import type { DatasetError } from './datasetError.js';
import { readJsonlRows } from './jsonlRows.js';
import { readParquetRows } from './parquetRows.js';
import type { RawRow } from './rawRow.js';

/** Streams raw rows from a `.parquet` file or a JSON-lines file (any other extension). */
export function readRows(file: string): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  return file.toLowerCase().endsWith('.parquet') ? readParquetRows(file) : readJsonlRows(file);
}
