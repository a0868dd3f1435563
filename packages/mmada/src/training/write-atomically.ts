/** Writes a text file by writing a sibling temporary file and renaming it over the target. */
import { rename, unlink, writeFile } from 'node:fs/promises';

export async function writeTextAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
