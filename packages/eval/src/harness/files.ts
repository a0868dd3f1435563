import { appendFile, readFile, truncate, writeFile } from 'node:fs/promises';
import type { PredictionRecord } from './task.js';

/** Writes a file so that readers see the old or the new content, never half of it (the tensor package's writeFileAtomic). */
export { writeFileAtomic } from '@mmada/tensor';

/** Appends one record as a single JSON line, in one write call (O_APPEND). */
export const appendPrediction = (path: string, record: PredictionRecord): Promise<void> =>
  appendFile(path, JSON.stringify(record) + '\n');

/**
 * Reads a predictions file for resuming. A run killed mid-write can leave a last line without its
 * newline; that line is cut off the file (its item will be run again). A missing file is empty.
 */
export async function readPredictions(path: string): Promise<PredictionRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
  return text
    .slice(0, complete)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, k) => {
      try {
        return JSON.parse(l) as PredictionRecord;
      } catch {
        throw new Error(`${path}, line ${k + 1}: not a JSON prediction record; delete the file to start over`);
      }
    });
}
