// Output paths are checked before work starts, and one run at a time holds an output directory.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModelOutput, checkOutputDir, checkOutputFile } from '../src/output-paths.js';
import { LOCK_FILE, lockOutputDir } from '../src/output-lock.js';
import { UsageError } from '../src/usage-error.js';

const root = mkdtempSync(join(tmpdir(), 'mmada-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const file = join(root, 'exists.png');
writeFileSync(file, 'x');
const dir = join(root, 'a-dir');
mkdirSync(dir);

describe('checkOutputFile', () => {
  it('accepts a new file in an existing folder, and an existing file only with overwrite', () => {
    expect(() => checkOutputFile(join(root, 'new.png'), { flag: '--out', overwrite: false })).not.toThrow();
    expect(() => checkOutputFile(file, { flag: '--out', overwrite: true })).not.toThrow();
    expect(() => checkOutputFile(file, { flag: '--out', overwrite: false })).toThrow(new UsageError(`--out ${file} exists: pass --overwrite to replace it`));
  });
  it('refuses a directory, a missing folder and a file used as a folder', () => {
    expect(() => checkOutputFile(dir, { flag: '--out', overwrite: true })).toThrow(`--out ${dir} is a directory; give a file name`);
    expect(() => checkOutputFile(join(root, 'nope', 'x.png'), { flag: '--out', overwrite: false })).toThrow(/folder .*nope does not exist/);
    expect(() => checkOutputFile(join(file, 'x.png'), { flag: '--out', overwrite: false })).toThrow(/exists\.png is a file, not a folder/);
  });
});

describe('checkOutputDir / checkModelOutput', () => {
  it('refuses a file where a directory goes, also further up', () => {
    expect(() => checkOutputDir(dir, { flag: '--out' })).not.toThrow();
    expect(() => checkOutputDir(join(root, 'fresh', 'deeper'), { flag: '--out' })).not.toThrow();
    expect(() => checkOutputDir(file, { flag: '--out' })).toThrow(`--out ${file} is a file; give a directory`);
    expect(() => checkOutputDir(join(file, 'sub', 'run'), { flag: '--out' })).toThrow(/exists\.png is a file, not a folder/);
  });
  it('refuses to replace a model without overwrite', () => {
    const m = join(root, 'model');
    mkdirSync(m);
    const opts = { flag: '--out', files: ['model.safetensors', 'model.safetensors.index.json'] };
    expect(() => checkModelOutput(m, { ...opts, overwrite: false })).not.toThrow();
    writeFileSync(join(m, 'model.safetensors.index.json'), '{}');
    expect(() => checkModelOutput(m, { ...opts, overwrite: false })).toThrow(/already holds a model \(model\.safetensors\.index\.json\): pass --overwrite/);
    expect(() => checkModelOutput(m, { ...opts, overwrite: true })).not.toThrow();
  });
});

describe('lockOutputDir', () => {
  it('creates the directory and the lock, refuses a second holder, and releases once', () => {
    const out = join(root, 'locked', 'run');
    const notices: string[] = [];
    const lock = lockOutputDir(out, 'mmada train', (m) => notices.push(m));
    const info = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), command: 'mmada train' });
    lock.release();
    lock.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    {
      using held = lockOutputDir(out, 'mmada rl', (m) => notices.push(m));
      expect(existsSync(held.path)).toBe(true);
    }
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    expect(notices).toEqual([]);
  });

  it('refuses while another live process holds it, takes over a dead one with a message', async () => {
    const out = join(root, 'contended');
    mkdirSync(out);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, host: hostname(), command: 'mmada train', started: '2026-01-01T00:00:00Z' }));
      expect(() => lockOutputDir(out, 'mmada train', () => {})).toThrow(new RegExp(`in use by another run: mmada train \\(pid ${sleeper.pid}, since 2026-01-01T00:00:00Z\\)`));
    } finally {
      sleeper.kill();
      await new Promise((r) => sleeper.once('exit', r));
    }
    const notices: string[] = [];
    const lock = lockOutputDir(out, 'mmada rl', (m) => notices.push(m));
    expect(notices).toEqual([`taking over the lock ${join(out, LOCK_FILE)} of mmada train (pid ${sleeper.pid}, no longer running)`]);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('names a lock held on another host instead of guessing', () => {
    const out = join(root, 'remote');
    mkdirSync(out);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', command: 'mmada eval', started: 't' }));
    expect(() => lockOutputDir(out, 'mmada eval', () => {})).toThrow(/in use by mmada eval \(pid 1 on elsewhere, since t\); if that run is over, delete/);
  });
});
