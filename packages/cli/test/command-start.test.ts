/** startCommand: flags typed from their spec, --help, required flags named with their placeholder, one device. */
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import type { CliIO } from '../src/cli-io.js';
import { startCommand } from '../src/command-start.js';
import { parseFlags } from '../src/parse-flags.js';
import { UsageError } from '../src/usage-error.js';

const SPEC = { model: { type: 'string' }, steps: { type: 'string' }, resume: { type: 'boolean' }, tag: { type: 'string', multiple: true } } as const;

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), interactive: false };
}

describe('parseFlags', () => {
  it('types each value from the spec (string, boolean, string[]) and adds the common flags', () => {
    const r = parseFlags(['--model', 'm', '--resume', '--tag', 'a', '--tag', 'b', '--device', 'cpu'], SPEC);
    if (E.isLeft(r)) throw r.left;
    const model: string | undefined = r.right.model;
    const resume: boolean | undefined = r.right.resume;
    const tags: string[] | undefined = r.right.tag;
    expect([model, resume, tags, r.right.device, r.right.steps]).toEqual(['m', true, ['a', 'b'], 'cpu', undefined]);
  });

  it('turns an unknown flag or a missing value into a UsageError', () => {
    const unknown = parseFlags(['--nope'], SPEC);
    expect(E.isLeft(unknown) && unknown.left instanceof UsageError && /--nope/.test(unknown.left.message)).toBe(true);
    const noValue = parseFlags(['--model'], SPEC);
    expect(E.isLeft(noValue) && /--model/.test(noValue.left.message)).toBe(true);
  });
});

describe('startCommand', () => {
  it('prints the usage on --help and returns undefined', () => {
    const c = io();
    expect(startCommand(['--help'], c, 'usage: x\n', SPEC, { model: 'DIR' })).toBeUndefined();
    expect(c.out).toEqual(['usage: x\n']);
  });

  it('names a missing required flag with its placeholder and reason, in the order given', () => {
    expect(() => startCommand([], io(), '', SPEC, { model: 'DIR' })).toThrow(new UsageError('--model DIR is required'));
    expect(() => startCommand(['--model', ''], io(), '', SPEC, { model: 'DIR' })).toThrow(/--model DIR is required/);
    expect(() => startCommand(['--model', 'm'], io(), '', SPEC, { model: 'DIR', steps: ['N', 'the number of steps'] })).toThrow(
      new UsageError('--steps N is required: the number of steps'),
    );
    expect(() => startCommand([], io(), '', SPEC, { steps: ['', 'one of 1, 2'], model: 'DIR' })).toThrow(new UsageError('--steps is required: one of 1, 2'));
  });

  it('returns the typed flags (required ones present) and makes the device once', async () => {
    const s = startCommand(['--model', 'm', '--device', 'cpu'], io(), '', SPEC, { model: 'DIR' });
    if (!s) throw new Error('no start');
    const model: string = s.flags.model;
    expect(model).toBe('m');
    const d = s.device();
    expect(s.device()).toBe(d);
    expect(await d).toBe('cpu');
  });

  it('rejects a bad --device when the device is asked for', async () => {
    const s = startCommand(['--device', 'tpu'], io(), '', SPEC);
    await expect(s!.device()).rejects.toThrow(/--device expects cpu or webgpu/);
  });
});
