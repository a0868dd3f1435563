/** Progress lines on stderr: "label  done/total  rate/s  ETA". One redrawn line on a terminal. */
import type { CliIO } from './cli-io.js';

export interface Progress {
  update(done: number): void;
  finish(): void;
}

const fmtSeconds = (s: number): string => (s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`);

export function progress(io: CliIO, label: string, total: number, unit: string): Progress {
  const start = performance.now();
  let last = 0;
  let lastDone = 0;
  const line = (done: number) => {
    const elapsed = (performance.now() - start) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - done) / rate : 0;
    return `${label} ${done}/${total} ${unit} · ${rate.toFixed(rate < 10 ? 2 : 0)} ${unit}/s · ${done < total ? `ETA ${fmtSeconds(eta)}` : `done in ${fmtSeconds(elapsed)}`}`;
  };
  return {
    update(done) {
      lastDone = done;
      const now = performance.now();
      if (io.interactive) io.stderr(`\r${line(done)}\x1b[K`);
      else if (done === total || now - last > 2000) {
        io.stderr(`${line(done)}\n`);
        last = now;
      }
    },
    finish() {
      if (io.interactive) io.stderr(`\r${line(lastDone)}\x1b[K\n`);
      else if (lastDone !== total) io.stderr(`${line(lastDone)}\n`);
    },
  };
}
