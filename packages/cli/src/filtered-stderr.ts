/**
 * Runs the CLI in a child process whose stderr passes through dawnWarningFilter (see there for why a child
 * is needed). The child is told whether the real stderr is a terminal, so progress still redraws one line.
 * Interrupts go to the child alone (the terminal sends SIGINT to both; the parent ignores it and waits, so a
 * training run can save its checkpoint); the exit status and signal are the child's.
 */
import { spawn } from 'node:child_process';
import { dawnWarningFilter } from './dawn-warning-filter.js';

/** Set in the child: its stderr is already filtered. */
export const FILTERED_ENV = 'MMADA_STDERR_FILTERED';
/** Set in the child when the parent's stderr is a terminal. */
export const STDERR_TTY_ENV = 'MMADA_STDERR_TTY';
/** `1` keeps Dawn's warnings (as does the global `--verbose` flag). */
export const DAWN_WARNINGS_ENV = 'MMADA_DAWN_WARNINGS';

/**
 * Whether this run should be wrapped: not already a filtered child, warnings not asked for, and not a run that
 * never loads Dawn (`--device cpu`, or MMADA_DEVICE=cpu without a `--device` flag).
 */
export function wantsFilteredStderr(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env[FILTERED_ENV] === '1' || env[DAWN_WARNINGS_ENV] === '1' || argv.includes('--verbose')) return false;
  const i = argv.findIndex((a) => a === '--device' || a.startsWith('--device='));
  const device = i < 0 ? env.MMADA_DEVICE : argv[i]!.includes('=') ? argv[i]!.slice('--device='.length) : argv[i + 1];
  return device !== 'cpu';
}

/** Runs `node <execArgv> script argv` with filtered stderr (to `write`, default this process's); resolves to the exit code to use. */
export function runWithFilteredStderr(script: string, argv: readonly string[], write: (text: string) => void = (t) => void process.stderr.write(t)): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
      stdio: ['inherit', 'inherit', 'pipe'],
      env: { ...process.env, [FILTERED_ENV]: '1', ...(process.stderr.isTTY ? { [STDERR_TTY_ENV]: '1' } : {}) },
    });
    const filter = dawnWarningFilter(write);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => filter.push(chunk));
    const ignore = () => {};
    const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', ignore);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    child.on('error', (e) => {
      write(`mmada: cannot start ${process.execPath}: ${e.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      filter.end();
      process.off('SIGINT', ignore);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
    });
  });
}
