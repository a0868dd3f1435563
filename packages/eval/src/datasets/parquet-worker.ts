/**
 * Decoding a parquet file in a worker thread, so that a damaged or hostile file cannot take the process
 * with it. hyparquet trusts the file: some damaged pages make it loop without end (a fixture in the tests
 * does), and sizes in the metadata drive its allocations. In a worker the loop is stopped by terminate() after a time bound and the
 * allocations by the worker's heap limit; the main thread only ever sees rows or a message.
 *
 * The worker is plain JavaScript evaluated from a string (no build step and no TypeScript loader needed,
 * in the sources or in dist), importing hyparquet by the file URL the main thread resolved.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What the worker sends: the row groups' sizes, then one group of rows per request, or why it could not. */
export type WorkerMessage =
  | { readonly type: 'groups'; readonly rows: readonly number[] }
  | { readonly type: 'rows'; readonly rows: readonly Record<string, unknown>[] }
  | { readonly type: 'error'; readonly stage: 'metadata' | 'schema' | 'rows'; readonly message: string };

// One column per request: hyparquet decodes a request's columns concurrently and awaits only the first
// failure, so a second damaged column would reject with no handler and end the worker without a message.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { open } = require('node:fs/promises');
(async () => {
  const { parquetMetadataAsync, parquetReadObjects, parquetSchema } = await import(workerData.hyparquet);
  const handle = await open(workerData.file, 'r');
  const file = {
    byteLength: workerData.size,
    slice: async (start, end = workerData.size) => {
      const bytes = new Uint8Array(Math.max(0, Math.min(end, workerData.size) - start));
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesRead } = await handle.read(bytes, done, bytes.byteLength - done, start + done);
        if (bytesRead === 0) throw new Error('the file ended at byte ' + (start + done));
        done += bytesRead;
      }
      return bytes.buffer;
    },
  };
  const fail = (stage, e) => parentPort.postMessage({ type: 'error', stage, message: e instanceof Error ? e.message : String(e) });
  let metadata, columns;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    return fail('metadata', e);
  }
  try {
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (e) {
    return fail('schema', e);
  }
  const groups = metadata.row_groups.map((g) => Number(g.num_rows));
  parentPort.postMessage({ type: 'groups', rows: groups });
  let rowStart = 0;
  for (const n of groups) {
    await new Promise((resolve) => parentPort.once('message', resolve));
    const rowEnd = rowStart + n;
    const rows = [];
    try {
      for (const column of columns) {
        const part = await parquetReadObjects({ file, metadata, rowStart, rowEnd, columns: [column], rowFormat: 'object' });
        part.forEach((r, k) => {
          rows[k] ??= {};
          rows[k][column] = r[column];
        });
      }
    } catch (e) {
      return fail('rows', e);
    }
    parentPort.postMessage({ type: 'rows', rows });
    rowStart = rowEnd;
  }
})().catch((e) => parentPort.postMessage({ type: 'error', stage: 'metadata', message: e instanceof Error ? e.message : String(e) })).finally(() => parentPort.close());
`;

export interface ParquetWorkerLimits {
  /** How long the worker may take for the metadata or one row group before it is stopped (default 60 s). */
  readonly timeoutMs?: number;
  /** The worker's heap limit in MB (default 2048). */
  readonly maxMemoryMb?: number;
}

/** A decoding worker for one file: ask for the next message; every failure (time, memory, exit) is a message too. */
export interface ParquetWorker {
  next(): Promise<WorkerMessage>;
  /** Asks for the next row group. */
  request(): void;
  close(): Promise<void>;
}

let hyparquetUrl: string | undefined;

export function startParquetWorker(file: string, size: number, limits: ParquetWorkerLimits = {}): ParquetWorker {
  hyparquetUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('hyparquet')).href;
  const timeoutMs = limits.timeoutMs ?? 60_000;
  const maxMemoryMb = limits.maxMemoryMb ?? 2048;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hyparquet: hyparquetUrl, file, size }, resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb } });
  const queue: WorkerMessage[] = [];
  let waiting: ((m: WorkerMessage) => void) | undefined;
  let ended: WorkerMessage | undefined;
  const push = (m: WorkerMessage) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else queue.push(m);
  };
  const end = (m: WorkerMessage) => {
    ended ??= m;
    push(m);
  };
  worker.on('message', (m: WorkerMessage) => push(m));
  worker.on('error', (e: Error & { code?: string }) =>
    end({ type: 'error', stage: 'rows', message: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `decoding needs more than ${maxMemoryMb} MB of memory` : e.message }),
  );
  worker.on('exit', () => end({ type: 'error', stage: 'rows', message: 'the decoder stopped without an answer' }));
  return {
    next: () => {
      const m = queue.shift();
      if (m !== undefined) return Promise.resolve(m);
      if (ended !== undefined) return Promise.resolve(ended);
      return new Promise<WorkerMessage>((resolve) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          void worker.terminate();
          resolve({ type: 'error', stage: 'rows', message: `no answer from the decoder within ${timeoutMs / 1000} s (a damaged file can make it loop)` });
        }, timeoutMs);
        waiting = (msg) => {
          clearTimeout(timer);
          resolve(msg);
        };
      });
    },
    request: () => worker.postMessage('next'),
    close: async () => {
      await worker.terminate();
    },
  };
}
