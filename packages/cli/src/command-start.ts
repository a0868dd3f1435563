/**
 * What every command does first: parse its flags (a UsageError on a bad command line), print its usage and stop on
 * --help, refuse a missing required flag, and make the device of --device / MMADA_DEVICE when asked for.
 */
import type { DeviceName } from '@mmada/tensor';
import type { CliIO } from './cli-io.js';
import { deviceFromEnvironment, initDevice } from './device-flag.js';
import { parseFlags, type FlagSpec, type FlagValue, type ParsedFlags } from './parse-flags.js';
import { unwrap } from './unwrap.js';
import { UsageError } from './usage-error.js';

/** How a required flag is named in its error: its value's placeholder ("DIR"), optionally with why it is needed. */
export type RequiredFlag = string | readonly [placeholder: string, why: string];

export interface CommandStart<S extends FlagSpec, R extends keyof S> {
  /** The flags, typed from their spec; the required ones are present. */
  readonly flags: ParsedFlags<S> & { readonly [K in R]-?: FlagValue<S[K]> };
  /** The device of --device / MMADA_DEVICE (webgpu, else cpu with a note), made on the first call. */
  device(): Promise<DeviceName>;
}

/**
 * Starts a command: undefined when --help printed `usage` (the command then exits 0). `required` maps each required
 * flag to its placeholder, so that a missing one is the UsageError "--model DIR is required".
 */
export function startCommand<S extends FlagSpec, R extends keyof S & string = never>(
  argv: readonly string[],
  io: CliIO,
  usage: string,
  spec: S,
  required: { readonly [K in R]: RequiredFlag } = {} as { readonly [K in R]: RequiredFlag },
): CommandStart<S, R> | undefined {
  const flags = unwrap(parseFlags(argv, spec));
  if (flags.help) {
    io.stdout(usage);
    return undefined;
  }
  // Every command refuses a bad MMADA_DEVICE, also one that needs no device or gets --device.
  unwrap(deviceFromEnvironment());
  for (const [name, how] of Object.entries(required) as [string, RequiredFlag][]) {
    const value = (flags as Record<string, unknown>)[name];
    if (value === undefined || value === '') {
      const [placeholder, why] = typeof how === 'string' ? [how, undefined] : how;
      throw new UsageError(`--${name}${placeholder ? ` ${placeholder}` : ''} is required${why ? `: ${why}` : ''}`);
    }
  }
  let device: Promise<DeviceName> | undefined;
  return {
    flags: flags as CommandStart<S, R>['flags'],
    device: () => (device ??= initDevice(flags.device, io).then(unwrap)),
  };
}
