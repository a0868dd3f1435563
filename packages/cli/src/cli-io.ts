/** Where a command writes: results to stdout, progress and errors to stderr. Tests pass their own. */
import type { ProgressSink } from '@mmada/eval';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress then redraws one line instead of printing many). */
  readonly interactive: boolean;
}

export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  // MMADA_STDERR_TTY: a parent that filters this process's stderr (filtered-stderr.ts) says it is a terminal.
  interactive: !!process.stderr.isTTY || process.env.MMADA_STDERR_TTY === '1',
};

/** Progress goes to stderr (a bar when it is a terminal: @mmada/eval's progressPrinter decides). */
export const progressSink = (io: CliIO): ProgressSink => ({ write: (text) => io.stderr(text), interactive: io.interactive });
