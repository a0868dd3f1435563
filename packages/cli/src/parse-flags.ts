/** Command-line flags through node:util parseArgs, with a UsageError instead of a throw. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { UsageError } from './usage-error.js';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes. */
export const COMMON_FLAGS = {
  device: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies FlagSpec;

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): E.Either<UsageError, Record<string, string | boolean | undefined>> {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...COMMON_FLAGS, ...spec }, strict: true, allowPositionals: false });
    return E.right(values as Record<string, string | boolean | undefined>);
  } catch (e) {
    return E.left(new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '')));
  }
}
