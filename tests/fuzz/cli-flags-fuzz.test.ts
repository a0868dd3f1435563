// Command lines under hostile argv and flag values: parsed values in range, or a UsageError (exit status 2).
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { choiceFlag, idListFlag, integerFlag, numberFlag } from '../../packages/cli/src/flag-values.js';
import { parseFlags } from '../../packages/cli/src/parse-flags.js';
import { TEXT_SAMPLING_FLAGS, textSamplingFromFlags } from '../../packages/cli/src/text-sampling-flags.js';
import { UsageError } from '../../packages/cli/src/usage-error.js';
import { fuzzParser, typedError, type Outcome } from './fuzz-parser.js';

const SPEC = { model: { type: 'string' }, prompt: { type: 'string' }, 'prompt-ids': { type: 'string' }, seed: { type: 'string' }, chat: { type: 'boolean' }, ...TEXT_SAMPLING_FLAGS } as const;
const FLAG_NAMES = [...Object.keys(SPEC), 'device', 'json', 'help', 'bogus', '', '-', 'h'];

/** Values that have broken flag parsers: huge, negative, fractional, hex, exponents, spaces, empty, unicode digits. */
const hostileValue = fc.oneof(
  fc.constantFrom('', ' ', '0', '-0', '1', '-1', '1e9', '1e18', '1e400', '0x10', '0b1', '1.5', ' 7 ', '7 8', 'NaN', 'Infinity', '-Infinity', '9007199254740993', '٣', '1,2,,3', ',', 'none', 'dual', '--steps'),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ maxLength: 10 }),
);

const argv = fc.array(
  fc.oneof(
    fc.tuple(fc.constantFrom(...FLAG_NAMES), fc.constantFrom('--', '-', '--no-'), hostileValue, fc.boolean()).map(([name, dash, value, eq]) => (eq ? [`${dash}${name}=${value}`] : [`${dash}${name}`, value])),
    fc.string({ maxLength: 8 }).map((s) => [s]),
  ),
  { maxLength: 6 },
).map((parts) => parts.flat());

describe('fuzz: CLI flags', () => {
  it('parseFlags and the text sampler flags of generate / eval / rl', async () => {
    await fuzzParser({
      parser: 'CLI argv',
      inputs: argv,
      run: (args): Outcome => {
        const parsed = parseFlags(args, SPEC);
        if (E.isLeft(parsed)) return typedError(parsed.left, UsageError);
        try {
          const s = textSamplingFromFlags(parsed.right);
          expect(Number.isSafeInteger(s.genLength) && s.genLength >= 1 && Number.isSafeInteger(s.steps) && s.steps >= 1 && s.genLength % s.blockLength === 0).toBe(true);
          expect(Number.isFinite(s.temperature) && s.temperature >= 0).toBe(true);
          return 'value';
        } catch (e) {
          return typedError(e, UsageError);
        }
      },
      numRuns: 1500,
    });
  });

  it('flag value parsers: integers, numbers, choices, id lists', async () => {
    await fuzzParser({
      parser: 'CLI flag values',
      inputs: fc.tuple(hostileValue, fc.integer({ min: 0, max: 3 })),
      run: ([text, which]): Outcome => {
        const r: E.Either<UsageError, unknown> = [
          () => integerFlag('steps', text, undefined, 1, 4096),
          () => numberFlag('temperature', text, 0),
          () => choiceFlag('kv-cache', text, ['none', 'prefix', 'dual'] as const, 'none'),
          () => idListFlag('prompt-ids', text),
        ][which]!();
        if (E.isLeft(r)) return typedError(r.left, UsageError);
        if (which === 0) expect(Number.isSafeInteger(r.right) && (r.right as number) >= 1 && (r.right as number) <= 4096).toBe(true);
        if (which === 1) expect(Number.isFinite(r.right) && (r.right as number) >= 0).toBe(true);
        if (which === 3) expect((r.right as number[]).every((i) => Number.isSafeInteger(i) && i >= 0)).toBe(true);
        return 'value';
      },
      numRuns: 1500,
    });
  });
});
