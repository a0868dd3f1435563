/**
 * Where long work stands — count, rate, ETA — as one `Progress` value, derived by a `ProgressTracker` from an
 * injectable clock and formatted as a plain line or a bar. The printer that writes it is progress-printer.ts.
 */

export interface Progress {
  readonly done: number;
  /** Known only when the size of the work is. */
  readonly total?: number;
  /** Items skipped because an earlier run already did them (counted in `done`, not in `rate`). */
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
    return this.at(this.done + 1);
  }

  /** Records that `done` new items (not counting resumed ones) are finished and returns the new state. */
  at(done: number): Progress {
    if (!Number.isFinite(done) || done < 0) throw new RangeError(`ProgressTracker.at: done must be a finite count ≥ 0, got ${done}`);
    this.done = done;
    const elapsedSeconds = (this.now() - this.start) / 1000;
    const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const all = done + this.resumed;
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

/** 3725 → "1h02m", 125 → "2m05s", 7.2 → "7s". */
export function formatDuration(seconds: number): string {
  const t = Math.round(seconds);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

const finished = (p: Progress) => p.total !== undefined && p.done >= p.total;

/** The numbers after the count: `3.4 it/s · ETA 5m52s`, or `done in 12s` once the total is reached. */
function rateAndEta(p: Progress, unit: string): string {
  const rate = `${p.rate.toFixed(p.rate < 10 ? 2 : 1)} ${unit}/s`;
  if (finished(p)) return `${rate} · done in ${formatDuration(p.elapsedSeconds)}`;
  return p.etaSeconds !== undefined ? `${rate} · ETA ${formatDuration(p.etaSeconds)}` : rate;
}

/** `120/1319`, with the unit after it when one is named (`4/8 steps`). */
const countOf = (p: Progress, unit: string | undefined) => `${p.total !== undefined ? `${p.done}/${p.total}` : `${p.done}`}${unit ? ` ${unit}` : ''}`;

/** One plain status line: `gsm8k 120/1319 · 3.4 it/s · ETA 5m52s`, or `generating 4/8 steps · 2.00 steps/s · ETA 2s` with a unit. */
export function formatProgress(label: string, p: Progress, unit?: string): string {
  return `${label} ${countOf(p, unit)} · ${rateAndEta(p, unit ?? 'it')}`;
}

/** The same with a bar of `width` cells when the total is known: `gsm8k ██░░░░░░ 120/1319 (9%) · 3.4 it/s · ETA 5m52s`. */
export function formatProgressBar(label: string, p: Progress, unit?: string, width = 24): string {
  if (p.total === undefined || p.total <= 0) return formatProgress(label, p, unit);
  const fraction = Math.min(1, p.done / p.total);
  const full = Math.floor(fraction * width);
  const bar = '█'.repeat(full) + '░'.repeat(width - full);
  return `${label} ${bar} ${countOf(p, unit)} (${Math.floor(100 * fraction)}%) · ${rateAndEta(p, unit ?? 'it')}`;
}
