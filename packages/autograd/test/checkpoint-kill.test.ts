// SIGKILL at arbitrary moments of a stream of checkpoint saves: afterwards a complete checkpoint is always
// found, at a step no older than the last one the writer reported, and the next save cleans up after it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '../src/index.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/save-forever.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'autograd-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the saver until it has reported `saves` steps, then a little longer, then SIGKILLs it; resolves to the last step it reported. */
function saveThenKill(dir: string, from: number, saves: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // tsx picks up the repository's tsconfig paths, so the child runs the sources like the tests do.
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir, String(from)], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let last = from - 1;
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n')) if (line) last = Number(line);
      if (last - from + 1 >= saves && timer === undefined) timer = setTimeout(() => p.kill('SIGKILL'), extraMs);
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`saver exited ${code}: ${err}`))));
  });
}

describe('checkpoints under SIGKILL', () => {
  it('every kill leaves a loadable checkpoint at or after the last reported step', async () => {
    const dir = join(root, 'checkpoint');
    let from = 1;
    // Kill delays spread over a save's duration (a few ms on this data) so kills land in different phases.
    for (const extraMs of [0, 2, 5]) {
      const reported = await saveThenKill(dir, from, 3, extraMs);
      const loaded = await loadTrainingCheckpoint<{ w: T.Tensor }, { count: number }>(dir)();
      if (E.isLeft(loaded)) throw loaded.left;
      expect(loaded.right.step).toBeGreaterThanOrEqual(reported);
      expect(loaded.right.optState.count).toBe(loaded.right.step);
      expect((await loaded.right.params.w.data())[4095]).toBe(4095);
      loaded.right.params.w.dispose();
      from = loaded.right.step + 1;
    }
    // The next save removes whatever the killed savers left behind.
    const w = T.tensor([1]);
    expect(E.isRight(await saveTrainingCheckpoint(dir, { params: { w }, optState: {}, step: from, key: T.key(0) })())).toBe(true);
    w.dispose();
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('step-'))).toHaveLength(2);
  });
});
