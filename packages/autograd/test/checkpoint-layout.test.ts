// The crash-safe checkpoint layout: step-N directories + latest.json, recovery from every crash point, the
// older single-directory layout still read (and migrated by the next save).
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { findCheckpoint, loadTrainingCheckpoint, POINTER_FILE, readTrainingCheckpointInfo, saveTrainingCheckpoint } from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'autograd-layout-'));
  dirs.push(d);
  return d;
}

/** A pid that belonged to a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

const w = T.tensor([1, 2, 3]);
afterAll(() => w.dispose());
const save = (root: string, step: number, keep?: number) =>
  saveTrainingCheckpoint(root, { params: { w }, optState: { count: step }, step, key: T.key(step) }, keep === undefined ? {} : { keep })();
async function stepOf(root: string, notices?: string[]): Promise<number> {
  const r = await loadTrainingCheckpoint<{ w: T.Tensor }, { count: number }>(root, notices ? { onNotice: (m) => notices.push(m) } : {})();
  if (E.isLeft(r)) throw r.left;
  expect(r.right.optState.count).toBe(r.right.step);
  expect(Array.from(await r.right.params.w.data())).toEqual([1, 2, 3]);
  r.right.params.w.dispose();
  return r.right.step;
}
const pointer = async (root: string) => JSON.parse(await readFile(join(root, POINTER_FILE), 'utf8')) as { dir: string; step: number };

describe('checkpoint layout', () => {
  it('keeps the last K step directories behind an atomically replaced pointer', async () => {
    const root = join(await tmp(), 'checkpoint');
    for (const step of [1, 2]) expect(E.isRight(await save(root, step))).toBe(true);
    expect((await readdir(root)).sort()).toEqual([POINTER_FILE, 'step-1', 'step-2']);
    expect((await readdir(join(root, 'step-2'))).sort()).toEqual(['state.safetensors', 'trainer_state.json']);
    expect(E.isRight(await save(root, 3))).toBe(true);
    expect((await readdir(root)).sort()).toEqual([POINTER_FILE, 'step-2', 'step-3']);
    expect(await pointer(root)).toMatchObject({ dir: 'step-3', step: 3 });
    expect(await stepOf(root)).toBe(3);
    expect(E.isRight(await save(root, 4, 1))).toBe(true);
    expect((await readdir(root)).sort()).toEqual([POINTER_FILE, 'step-4']);
  });

  it('a second save of the same step gets its own directory and the pointer moves to it', async () => {
    const root = join(await tmp(), 'checkpoint');
    await save(root, 5);
    await save(root, 5);
    expect(await pointer(root)).toMatchObject({ dir: 'step-5.2', step: 5 });
    expect((await readdir(root)).sort()).toEqual([POINTER_FILE, 'step-5', 'step-5.2']);
    expect(await stepOf(root)).toBe(5);
  });

  it('a crash before the pointer moved resumes from the previous checkpoint; the next save removes the leftovers', async () => {
    const root = join(await tmp(), 'checkpoint');
    await save(root, 10);
    await save(root, 20);
    // Crash 1: mid-staging (a dead process's staging directory). Crash 2: step-30 renamed, pointer not yet moved.
    const staging = join(root, `.step-30.tmp-${deadPid()}-abc123`);
    await mkdir(staging);
    await writeFile(join(staging, 'state.safetensors'), 'half');
    await cp(join(root, 'step-20'), join(root, 'step-30'), { recursive: true });
    const notices: string[] = [];
    expect(await stepOf(root, notices)).toBe(20);
    expect(notices.join('\n')).toContain('left by an interrupted save');
    expect((await readdir(root)).sort()).toEqual([POINTER_FILE, 'step-10', 'step-20', 'step-30']);
    await save(root, 21);
    expect((await readdir(root)).sort()).toEqual([POINTER_FILE, 'step-20', 'step-21']);
  });

  it('a pointer to a missing checkpoint is an error naming what is there', async () => {
    const root = join(await tmp(), 'checkpoint');
    await save(root, 1);
    await save(root, 2);
    await rm(join(root, 'step-2', 'trainer_state.json'));
    const r = await loadTrainingCheckpoint(root)();
    expect(E.isLeft(r) && r.left.message).toMatch(/latest\.json names step-2, which does not hold both .*other checkpoints there: step-1/);
    await writeFile(join(root, POINTER_FILE), '{"format": "mmada-checkpoint-pointer/1", "dir": "../x", "step": 1}');
    const bad = await loadTrainingCheckpoint(root)();
    expect(E.isLeft(bad) && bad.left.message).toMatch(/latest\.json: field 'dir' must name a step-N directory/);
  });

  it('without a pointer the newest complete step directory is used, with a notice', async () => {
    const root = join(await tmp(), 'checkpoint');
    await save(root, 7);
    await save(root, 8);
    await rm(join(root, POINTER_FILE));
    await mkdir(join(root, 'step-9')); // incomplete
    const notices: string[] = [];
    expect(await stepOf(root, notices)).toBe(8);
    expect(notices).toEqual([`${root}: no ${POINTER_FILE}; resuming from step-8, the newest complete checkpoint there`]);
  });

  it('an empty or missing root is a Left, and the info reader says undefined', async () => {
    const base = await tmp();
    const missing = await loadTrainingCheckpoint(join(base, 'nope'))();
    expect(E.isLeft(missing) && missing.left.message).toMatch(/no training checkpoint there/);
    await mkdir(join(base, 'empty'));
    expect(E.isLeft(await loadTrainingCheckpoint(join(base, 'empty'))())).toBe(true);
    expect(await readTrainingCheckpointInfo(join(base, 'empty'))()).toEqual(E.right(undefined));
  });

  it('reads the older single-directory layout and migrates it on the next save', async () => {
    const base = await tmp();
    const modern = join(base, 'modern');
    await save(modern, 4);
    const legacy = join(base, 'checkpoint');
    await cp(join(modern, 'step-4'), legacy, { recursive: true });
    expect(await findCheckpoint(legacy)).toEqual({ dir: legacy, layout: 'legacy' });
    expect(await stepOf(legacy)).toBe(4);
    const info = await readTrainingCheckpointInfo(legacy)();
    expect(E.isRight(info) && info.right?.step).toBe(4);
    await save(legacy, 5);
    expect((await readdir(legacy)).sort()).toEqual([POINTER_FILE, 'step-5']);
    expect(await stepOf(legacy)).toBe(5);
  });

  it("recovers the older layout's hidden pair left by a crash between its two renames", async () => {
    const base = await tmp();
    const modern = join(base, 'modern');
    await save(modern, 3);
    await save(modern, 4);
    const pid = deadPid();
    await cp(join(modern, 'step-3'), join(base, `.checkpoint.old-${pid}-a`), { recursive: true });
    await cp(join(modern, 'step-4'), join(base, `.checkpoint.tmp-${pid}-b`), { recursive: true });
    const root = join(base, 'checkpoint');
    const notices: string[] = [];
    expect(await stepOf(root, notices)).toBe(4);
    expect(notices[0]).toMatch(/recovered the checkpoint an interrupted save left in .*\.checkpoint\.tmp-/);
    expect((await readdir(base)).sort()).toEqual(['checkpoint', 'modern']);
  });

  it('refuses a bad step or keep before touching the disk', async () => {
    const root = join(await tmp(), 'checkpoint');
    expect(E.isLeft(await save(root, -1))).toBe(true);
    expect(E.isLeft(await save(root, 1, 0))).toBe(true);
    await expect(readdir(root)).rejects.toThrow(/ENOENT/);
  });
});
