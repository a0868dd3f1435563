/** Run-directory files: atomic text writes and JSON-lines logs. */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@mmada/tensor';
import { dirname } from 'node:path';

/** Writes `text` to `path` through a temporary sibling and a rename, so readers never see half a file. */
export async function writeTextAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
}

export async function appendJsonLine(path: string, value: unknown): Promise<void> {
  await appendFile(path, `${JSON.stringify(value)}\n`);
}

/** Every JSON line of a file ([] when it does not exist); a malformed line is an error naming it. */
export async function readJsonLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch (e) {
        throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
      }
    });
}
