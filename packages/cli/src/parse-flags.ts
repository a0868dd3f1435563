/** Command-line flags through node:util parseArgs, typed from their spec, with a UsageError instead of a throw. */
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

/** The value parseArgs gives one flag of a spec: string or boolean, an array of them when `multiple`. */
export type FlagValue<O> = O extends { readonly type: 'boolean' }
  ? O extends { readonly multiple: true } ? boolean[] : boolean
  : O extends { readonly multiple: true } ? string[] : string;

/** The parsed flags of spec S plus the common flags: each undefined when absent. */
export type ParsedFlags<S extends FlagSpec> = { readonly [K in keyof (typeof COMMON_FLAGS & S)]?: FlagValue<(typeof COMMON_FLAGS & S)[K]> };

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): E.Either<UsageError, ParsedFlags<S>> {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...COMMON_FLAGS, ...spec }, strict: true, allowPositionals: false });
    return E.right(values as ParsedFlags<S>);
  } catch (e) {
    return E.left(new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '')));
  }
}
