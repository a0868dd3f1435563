// Refusing FIFOs, devices and directories where a file of data is expected; JSON keys given twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKindError, openRegularFile, readRegularFile, readRegularTextFile } from '../src/io/regular-file.js';
import { findDuplicateJsonKey } from '../src/io/json-duplicate-key.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmada-regular-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readRegularFile', () => {
  it('reads a regular file whole, and as UTF-8 text', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, 'héllo');
    expect(Array.from(await readRegularFile(path))).toEqual(Array.from(new TextEncoder().encode('héllo')));
    expect(await readRegularTextFile(path)).toBe('héllo');
    const { handle, size } = await openRegularFile(path);
    expect(size).toBe(6);
    await handle.close();
  });

  it('refuses a FIFO at once (opening one for reading would block until a writer comes)', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const e = await readRegularFile(fifo, { what: 'config file' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FileKindError);
    expect((e as FileKindError).file).toBe(fifo);
    expect((e as Error).message).toBe(`${fifo}: is a FIFO (named pipe); the config file must be a regular file`);
  });

  it('refuses a directory and a character device, and passes on a missing file as the fs error', async () => {
    await expect(readRegularTextFile(dir, { what: 'dataset' })).rejects.toThrow(`${dir}: is a directory; the dataset must be a regular file`);
    await expect(readRegularFile('/dev/zero', { what: 'image' })).rejects.toThrow('/dev/zero: is a character device; the image must be a regular file');
    await expect(readRegularFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a file over maxBytes before reading it', async () => {
    const path = join(dir, 'big.json');
    await writeFile(path, '0123456789');
    await expect(readRegularFile(path, { what: 'tokenizer file', maxBytes: 9 })).rejects.toThrow(`${path}: is 10 bytes, over the 9-byte limit for a tokenizer file`);
    expect((await readRegularFile(path, { maxBytes: 10 })).byteLength).toBe(10);
  });
});

describe('findDuplicateJsonKey', () => {
  it('finds a key given twice at any depth, naming the object that holds it', () => {
    expect(findDuplicateJsonKey('{"a":1,"b":2,"a":3}')).toEqual({ path: '$', key: 'a' });
    expect(findDuplicateJsonKey('{"model":{"vocab":{"x":0,"y":1,"x":2}}}')).toEqual({ path: '$.model.vocab', key: 'x' });
    expect(findDuplicateJsonKey('[{"a":1},{"b":1,"b":2}]')).toEqual({ path: '$[1]', key: 'b' });
    expect(findDuplicateJsonKey('{"odd key":{"k":1,"k":1}}')).toEqual({ path: '$["odd key"]', key: 'k' });
  });

  it('compares keys after unescaping and ignores braces, commas and quotes inside strings', () => {
    expect(findDuplicateJsonKey('{"a":1,"\\u0061":2}')).toEqual({ path: '$', key: 'a' });
    expect(findDuplicateJsonKey('{"a":"{\\"a\\":1,","b":"}"}')).toBeUndefined();
    expect(findDuplicateJsonKey('{"a":{"a":{"a":1}},"b":[1,{"a":2}]}')).toBeUndefined();
    // Values equal to a key are not keys.
    expect(findDuplicateJsonKey('{"a":"a","b":"a"}')).toBeUndefined();
  });

  it('handles nesting deeper than the call stack would allow', () => {
    const depth = 100_000;
    expect(findDuplicateJsonKey('['.repeat(depth) + ']'.repeat(depth))).toBeUndefined();
    expect(findDuplicateJsonKey(`${'{"a":'.repeat(depth)}{"x":1,"x":2}${'}'.repeat(depth)}`)?.key).toBe('x');
  });
});
