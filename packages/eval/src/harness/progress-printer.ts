/**
 * The one progress printer: on a terminal a bar with rate and ETA redrawn in place; when the output is not a
 * terminal, or under CI, plain lines — the first, then at most one every `intervalMs`, and the last — so logs
 * stay readable.
 */
import { formatProgress, formatProgressBar, ProgressTracker, type Progress } from './progress.js';

/** Where progress goes (stderr, usually) and whether that is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  readonly interactive: boolean;
}

export interface ProgressPrinterOptions {
  /** Size of the work, when known (for the bar and the ETA). */
  readonly total?: number;
  /** Items done by an earlier run (resumed), shown in the count but not in the rate. */
  readonly resumed?: number;
  /** What is counted: "steps", "tensors", "items" (shown after the count and in the rate; default: "it" in the rate only). */
  readonly unit?: string;
  /** Plain mode: the least time between two lines (default 2000 ms). */
  readonly intervalMs?: number;
  /** Treat the sink as non-interactive (default: the CI environment variable is set and not "false" / "0"). */
  readonly ci?: boolean;
  readonly now?: () => number;
}

export interface ProgressPrinter {
  /** `done` items of this run are finished. */
  update(done: number): void;
  /** Prints a state computed elsewhere (e.g. by `evaluate`'s own tracker). */
  report(p: Progress): void;
  /** Ends the line (terminal) or prints the last state if it was not printed (plain). */
  finish(): void;
}

/** Whether the CI environment variable says this is a CI run. */
export function underCi(env: Readonly<Record<string, string | undefined>> = typeof process === 'undefined' ? {} : process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

export function progressPrinter(sink: ProgressSink, label: string, options: ProgressPrinterOptions = {}): ProgressPrinter {
  const unit = options.unit;
  const now = options.now ?? (() => performance.now());
  const tty = sink.interactive && !(options.ci ?? underCi());
  const tracker = new ProgressTracker(options.total, options.resumed ?? 0, now);
  let lastLine = -Infinity;
  let last: Progress | undefined;
  let lastPrinted: Progress | undefined;
  let open = false;
  const report = (p: Progress) => {
    last = p;
    if (tty) {
      sink.write(`\r${formatProgressBar(label, p, unit)}\x1b[K`);
      open = true;
      return;
    }
    const t = now();
    const complete = p.total !== undefined && p.done >= p.total;
    if (complete || t - lastLine >= (options.intervalMs ?? 2000)) {
      sink.write(`${formatProgress(label, p, unit)}\n`);
      lastLine = t;
      lastPrinted = p;
    }
  };
  return {
    update: (done) => report(tracker.at(done)),
    report,
    finish() {
      if (tty) {
        if (open) sink.write('\n');
        open = false;
      } else if (last !== undefined && last !== lastPrinted) {
        sink.write(`${formatProgress(label, last, unit)}\n`);
        lastPrinted = last;
      }
    },
  };
}

/** An `onProgress` callback for `evaluate` that prints to stderr through the printer. */
export function stderrProgress(label: string, options: Omit<ProgressPrinterOptions, 'total' | 'resumed'> = {}): (p: Progress) => void {
  const printer = progressPrinter({ write: (t) => void process.stderr.write(t), interactive: !!process.stderr.isTTY }, label, { unit: 'items', ...options });
  return (p) => {
    printer.report(p);
    if (p.total !== undefined && p.done >= p.total) printer.finish();
  };
}
