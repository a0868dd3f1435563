/**
 * `--device cpu|webgpu`. Without the flag: MMADA_DEVICE, else webgpu when an adapter exists and cpu
 * otherwise (with a note on stderr). Naming webgpu where there is none is an error that says how to get one.
 */
import * as E from 'fp-ts/lib/Either.js';
import { init, type DeviceName } from '@mmada/tensor';
import type { CliIO } from './cli-io.js';
import { UsageError } from './usage-error.js';

/**
 * The device MMADA_DEVICE names (undefined when unset or empty). Checked as strictly as --device, also where
 * the flag overrides it or a command needs no device: a typo in a CI configuration should not go unnoticed.
 */
export function deviceFromEnvironment(env: string | undefined = process.env.MMADA_DEVICE): E.Either<UsageError, DeviceName | undefined> {
  if (env === undefined || env === '') return E.right(undefined);
  return env === 'cpu' || env === 'webgpu' ? E.right(env) : E.left(new UsageError(`MMADA_DEVICE expects cpu or webgpu, got ${JSON.stringify(env)}`));
}

export async function initDevice(flag: string | boolean | undefined, io: CliIO, env: string | undefined = process.env.MMADA_DEVICE): Promise<E.Either<Error, DeviceName>> {
  if (flag !== undefined && flag !== 'cpu' && flag !== 'webgpu') return E.left(new UsageError(`--device expects cpu or webgpu, got ${JSON.stringify(flag)}`));
  const fromEnv = deviceFromEnvironment(env);
  if (E.isLeft(fromEnv)) return fromEnv;
  const asked = (flag as DeviceName | undefined) ?? fromEnv.right;
  try {
    return E.right(await init({ device: asked ?? 'webgpu' }));
  } catch (e) {
    if (asked !== undefined) return E.left(e as Error);
    io.stderr(`note: no WebGPU adapter (${(e as Error).message.split('\n')[0]}); running on cpu\n`);
    return E.right(await init({ device: 'cpu' }));
  }
}
