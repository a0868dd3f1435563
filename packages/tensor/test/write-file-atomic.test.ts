// writeFileAtomic: the one temp-then-rename writer; old content survives any failure and no temporary is left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitTemporary, syncDirectory, temporarySibling, writeFileAtomic, writeTemporarySibling } from '../src/io/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmada-atomic-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let counter = 0;
const fresh = async () => {
  const dir = join(root, `case-${counter++}`);
  await mkdir(dir);
  return dir;
};

describe('writeFileAtomic', () => {
  it('writes text, bytes and streamed content, replacing what was there', async () => {
    const dir = await fresh();
    const path = join(dir, 'a.txt');
    await writeFileAtomic(path, 'first');
    expect(await readFile(path, 'utf8')).toBe('first');
    await writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(await readFile(path, 'utf8')).toBe('hi');
    await writeFileAtomic(path, async (fh) => {
      await fh.write('streamed ');
      await fh.write('twice');
    });
    expect(await readFile(path, 'utf8')).toBe('streamed twice');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('keeps the old file and removes the temporary when writing fails', async () => {
    const dir = await fresh();
    const path = join(dir, 'b.txt');
    await writeFile(path, 'old');
    await expect(
      writeFileAtomic(path, async (fh) => {
        await fh.write('half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['b.txt']);
  });

  it('removes the temporary when the rename fails (the target is a non-empty directory)', async () => {
    const dir = await fresh();
    const path = join(dir, 'taken');
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'x');
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readFile(join(path, 'inside'), 'utf8')).toBe('x');
  });

  it('fails without leaving anything when the directory does not exist', async () => {
    const dir = await fresh();
    await expect(writeFileAtomic(join(dir, 'missing', 'c.txt'), 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeTemporarySibling / commitTemporary', () => {
  it('stages a flushed sibling that only replaces the target on commit', async () => {
    const dir = await fresh();
    const path = join(dir, 'd.txt');
    await writeFile(path, 'old');
    const tmp = await writeTemporarySibling(path, 'new');
    expect(tmp.startsWith(`${path}.tmp-`)).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readFile(tmp, 'utf8')).toBe('new');
    await commitTemporary(tmp, path);
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['d.txt']);
  });

  it('temporarySibling names differ and stay in the same directory', () => {
    const a = temporarySibling('/x/y/z.bin');
    const b = temporarySibling('/x/y/z.bin');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\/x\/y\/z\.bin\.tmp-[0-9a-f]{12}$/);
  });

  it('syncDirectory flushes an existing directory and rejects a missing one', async () => {
    const dir = await fresh();
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
    await expect(syncDirectory(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
