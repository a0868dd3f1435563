/** Where a command writes: results to stdout, progress and errors to stderr. Tests pass their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress then redraws one line instead of printing many). */
  readonly interactive: boolean;
}

export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  interactive: !!process.stderr.isTTY,
};
