/** Where a run stands; `total`, `etaSeconds` are known only when the dataset size is. */
export interface Progress {
  readonly done: number;
  readonly total?: number;
  /** Items skipped because an earlier run already scored them. */
  readonly resumed: number;
  readonly elapsedSeconds: number;
  /** Items per second over this run's new items. */
  readonly rate: number;
  readonly etaSeconds?: number;
}

/** Counts finished items and derives rate and ETA from a clock (injectable for tests). */
export class ProgressTracker {
  private done = 0;
  private readonly start: number;

  constructor(
    private readonly total: number | undefined,
    private readonly resumed: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** Records one finished item and returns the new state. */
  tick(): Progress {
    this.done++;
    const elapsedSeconds = (this.now() - this.start) / 1000;
    const rate = elapsedSeconds > 0 ? this.done / elapsedSeconds : 0;
    const all = this.done + this.resumed;
    const remaining = this.total === undefined ? undefined : Math.max(0, this.total - all);
    return {
      done: all,
      resumed: this.resumed,
      elapsedSeconds,
      rate,
      ...(this.total !== undefined && { total: this.total }),
      ...(remaining !== undefined && rate > 0 && { etaSeconds: remaining / rate }),
    };
  }
}

const clock = (s: number) => {
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
};

/** One status line: `gsm8k 120/1319 · 3.4 it/s · ETA 5m52s`. */
export function formatProgress(label: string, p: Progress): string {
  const count = p.total !== undefined ? `${p.done}/${p.total}` : `${p.done}`;
  const eta = p.etaSeconds !== undefined ? ` · ETA ${clock(p.etaSeconds)}` : '';
  return `${label} ${count} · ${p.rate.toFixed(p.rate < 10 ? 2 : 1)} it/s${eta}`;
}

/** A progress callback that rewrites one line on stderr. */
export const stderrProgress =
  (label: string) =>
  (p: Progress): void => {
    process.stderr.write(`\r${formatProgress(label, p)}${p.total !== undefined && p.done >= p.total ? '\n' : ''}`);
  };
