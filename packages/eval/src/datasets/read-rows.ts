import type * as E from 'fp-ts/lib/Either.js';
import type { DatasetError } from './dataset-error.js';
import { readJsonlRows } from './jsonl-rows.js';
import { readParquetRows } from './parquet-rows.js';
import type { RawRow } from './raw-row.js';

/** Streams raw rows from a `.parquet` file or a JSON-lines file (any other extension). */
export function readRows(file: string): AsyncGenerator<E.Either<DatasetError, RawRow>> {
  return file.toLowerCase().endsWith('.parquet') ? readParquetRows(file) : readJsonlRows(file);
}
