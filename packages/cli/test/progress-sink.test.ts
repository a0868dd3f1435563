import { describe, expect, it } from 'vitest';
import { progressPrinter } from '@mmada/eval';
import { progressSink, type CliIO } from '../src/index.js';

const ioOf = (interactive: boolean) => {
  const err: string[] = [];
  const io: CliIO = { stdout: () => {}, stderr: (t) => void err.push(t), interactive };
  return { io, err };
};

describe('progressSink', () => {
  it('sends the printer to stderr: a bar on a terminal, plain lines otherwise', () => {
    const tty = ioOf(true);
    const bar = progressPrinter(progressSink(tty.io), 'generating', { total: 2, unit: 'steps', ci: false, now: () => 0 });
    bar.update(1);
    bar.finish();
    expect(tty.err[0]).toMatch(/^\rgenerating █+░+ 1\/2 steps \(50%\)/);
    expect(tty.err.at(-1)).toBe('\n');
    const plain = ioOf(false);
    const line = progressPrinter(progressSink(plain.io), 'generating', { total: 2, unit: 'steps', ci: false, now: () => 0 });
    line.update(2);
    expect(plain.err).toEqual(['generating 2/2 steps · 0.00 steps/s · done in 0s\n']);
  });
});
