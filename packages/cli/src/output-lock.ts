/**
 * One run at a time per output directory: `DIR/.mmada.lock` holds the owner's pid, host, command and start time,
 * created exclusively. A second run on the same directory is refused while the owner lives; a lock whose
 * process is gone (same host) is taken over with a message. The lock goes when the run ends, however it ends.
 */
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './usage-error.js';

export const LOCK_FILE = '.mmada.lock';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    return Number.isSafeInteger(v.pid) && typeof v.host === 'string' ? (v as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** A held lock; `release` (or leaving a `using` block) removes it, once. */
export interface OutputLock extends Disposable {
  readonly path: string;
  release(): void;
}

/**
 * Takes the lock of output directory `dir` (created if missing) for `command`, or throws a UsageError naming the
 * run that holds it. `notice` hears about a stale lock taken over.
 */
export function lockOutputDir(dir: string, command: string, notice: (message: string) => void): OutputLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const owner = readLock(path);
      if (owner && owner.pid !== process.pid) {
        if (owner.host !== info.host) {
          throw new UsageError(`${dir} is in use by ${owner.command} (pid ${owner.pid} on ${owner.host}, since ${owner.started}); if that run is over, delete ${path}`);
        }
        if (alive(owner.pid)) {
          throw new UsageError(`${dir} is in use by another run: ${owner.command} (pid ${owner.pid}, since ${owner.started}); wait for it to finish or choose another --out`);
        }
      }
      if (owner?.pid !== process.pid) notice(owner ? `taking over the lock ${path} of ${owner.command} (pid ${owner.pid}, no longer running)` : `replacing the unreadable lock ${path}`);
      unlinkSync(path);
      continue;
    }
    writeSync(fd, `${JSON.stringify(info)}\n`);
    closeSync(fd);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      // Only our own lock: never one a later run took over.
      if (readLock(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    };
    process.on('exit', release);
    return { path, release, [Symbol.dispose]: release };
  }
}
