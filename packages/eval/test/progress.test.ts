import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, formatProgressBar, progressPrinter, ProgressTracker, underCi } from '@mmada/eval';

/** A sink that records what was written, and a clock the test moves. */
function fixture(interactive: boolean) {
  const out: string[] = [];
  let t = 0;
  return { out, sink: { write: (s: string) => void out.push(s), interactive }, now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('Progress values', () => {
  it('tracks absolute counts as well as ticks', () => {
    let t = 0;
    const tracker = new ProgressTracker(8, 0, () => t);
    t = 4000;
    expect(tracker.at(2)).toEqual({ done: 2, total: 8, resumed: 0, elapsedSeconds: 4, rate: 0.5, etaSeconds: 12 });
    expect(tracker.tick()).toMatchObject({ done: 3, rate: 0.75 });
    expect(() => tracker.at(-1)).toThrow(/done must be a finite count ≥ 0/);
  });

  it('formats durations, lines and bars', () => {
    expect([formatDuration(7.2), formatDuration(125), formatDuration(3725)]).toEqual(['7s', '2m05s', '1h02m']);
    const p = { done: 3, total: 12, resumed: 0, elapsedSeconds: 6, rate: 0.5, etaSeconds: 18 };
    expect(formatProgress('gen', p, 'steps')).toBe('gen 3/12 steps · 0.50 steps/s · ETA 18s');
    expect(formatProgressBar('gen', p, 'steps', 8)).toBe('gen ██░░░░░░ 3/12 steps (25%) · 0.50 steps/s · ETA 18s');
    expect(formatProgressBar('gen', { ...p, done: 12, etaSeconds: 0 }, 'steps', 4)).toBe('gen ████ 12/12 steps (100%) · 0.50 steps/s · done in 6s');
    expect(formatProgressBar('x', { done: 5, resumed: 0, elapsedSeconds: 1, rate: 5 })).toBe('x 5 · 5.00 it/s');
  });

  it('reads CI like the common CI services set it', () => {
    expect([underCi({ CI: 'true' }), underCi({ CI: '1' }), underCi({}), underCi({ CI: 'false' }), underCi({ CI: '0' }), underCi({ CI: '' })]).toEqual([true, true, false, false, false, false]);
  });
});

describe('progressPrinter', () => {
  it('on a terminal redraws one bar with rate and ETA, and ends the line on finish', () => {
    const f = fixture(true);
    const bar = progressPrinter(f.sink, 'loading', { total: 4, unit: 'tensors', ci: false, now: f.now });
    f.advance(1000);
    bar.update(1);
    f.advance(1000);
    bar.update(2);
    bar.finish();
    expect(f.out).toEqual([
      '\rloading ██████░░░░░░░░░░░░░░░░░░ 1/4 tensors (25%) · 1.00 tensors/s · ETA 3s\x1b[K',
      '\rloading ████████████░░░░░░░░░░░░ 2/4 tensors (50%) · 1.00 tensors/s · ETA 2s\x1b[K',
      '\n',
    ]);
  });

  it('off a terminal, or under CI, prints plain lines: the first, one per interval, the last', () => {
    for (const f of [fixture(false), fixture(true)]) {
      const bar = progressPrinter(f.sink, 'gen', { total: 10, unit: 'steps', ci: f.sink.interactive, intervalMs: 2000, now: f.now });
      for (let i = 1; i <= 9; i++) {
        f.advance(500);
        bar.update(i);
      }
      bar.finish();
      expect(f.out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
      expect(f.out.map((l) => l.split(' ')[1])).toEqual(['1/10', '5/10', '9/10']);
    }
  });

  it('prints the completed state at once and does not repeat it on finish', () => {
    const f = fixture(false);
    const bar = progressPrinter(f.sink, 'eval', { total: 2, unit: 'items', now: f.now, ci: true });
    bar.update(1);
    f.advance(10);
    bar.update(2);
    bar.finish();
    expect(f.out).toEqual(['eval 1/2 items · 0.00 items/s\n', 'eval 2/2 items · 200.0 items/s · done in 0s\n']);
  });
});
