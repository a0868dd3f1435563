// Dawn's two native limit warnings stay out of the terminal unless asked for; everything else passes at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dawnWarningFilter, isDawnLimitWarning } from '../src/dawn-warning-filter.js';
import { runWithFilteredStderr, wantsFilteredStderr } from '../src/filtered-stderr.js';

const UNIFORM = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';
const STORAGE = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.';

function collect(chunks: readonly string[]): { out: string; writes: string[] } {
  const writes: string[] = [];
  const f = dawnWarningFilter((t) => void writes.push(t));
  for (const c of chunks) f.push(c);
  f.end();
  return { out: writes.join(''), writes };
}

describe('dawnWarningFilter', () => {
  it('recognises exactly the two warnings', () => {
    expect(isDawnLimitWarning(UNIFORM)).toBe(true);
    expect(isDawnLimitWarning(STORAGE)).toBe(true);
    expect(isDawnLimitWarning('Warning: something else')).toBe(false);
    expect(isDawnLimitWarning(`x${UNIFORM}`)).toBe(false);
  });

  it('drops them whole or split across chunks and keeps every other line in order', () => {
    expect(collect([`${UNIFORM}\n${STORAGE}\nloading model\n`]).out).toBe('loading model\n');
    expect(collect(['before\nWarning: maxDyn', 'amicStorageBuffersPerPipelineLayout artificially reduced from 7 to 4 to fit dynamic offset allocation limit.\n', 'after\n']).out).toBe('before\nafter\n');
    expect(collect(['Warning: disk almost full\n']).out).toBe('Warning: disk almost full\n');
  });

  it('passes a partial progress line through at once, holding only what could still become a warning', () => {
    const { writes } = collect(['\rstep 1/3', '\rstep 2/3', '\rWarn']);
    expect(writes.slice(0, 2)).toEqual(['\rstep 1/3', '\rstep 2/3']);
    expect(writes.join('')).toBe('\rstep 1/3\rstep 2/3\rWarn');
  });
});

describe('wantsFilteredStderr', () => {
  it('wraps unless already wrapped, asked for warnings, or on the cpu device', () => {
    expect(wantsFilteredStderr(['info'], {})).toBe(true);
    expect(wantsFilteredStderr(['info', '--device', 'webgpu'], { MMADA_DEVICE: 'cpu' })).toBe(true);
    expect(wantsFilteredStderr(['info'], { MMADA_STDERR_FILTERED: '1' })).toBe(false);
    expect(wantsFilteredStderr(['info'], { MMADA_DAWN_WARNINGS: '1' })).toBe(false);
    expect(wantsFilteredStderr(['info', '--verbose'], {})).toBe(false);
    expect(wantsFilteredStderr(['info', '--device', 'cpu'], {})).toBe(false);
    expect(wantsFilteredStderr(['info', '--device=cpu'], {})).toBe(false);
    expect(wantsFilteredStderr(['info'], { MMADA_DEVICE: 'cpu' })).toBe(false);
  });
});

describe('runWithFilteredStderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dawn-filter-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('runs the script as a child: warnings written to fd 2 are dropped, other output, arguments and exit code kept', async () => {
    const script = join(dir, 'child.mjs');
    writeFileSync(
      script,
      `import { writeSync } from 'node:fs';
writeSync(2, ${JSON.stringify(`${UNIFORM}\n${STORAGE}\n`)});
writeSync(2, 'args ' + process.argv.slice(2).join(',') + ' filtered=' + process.env.MMADA_STDERR_FILTERED + '\\n');
process.exitCode = 3;
`,
    );
    let err = '';
    const code = await runWithFilteredStderr(script, ['a', 'b'], (t) => void (err += t));
    expect(code).toBe(3);
    expect(err).toBe('args a,b filtered=1\n');
  });
});
