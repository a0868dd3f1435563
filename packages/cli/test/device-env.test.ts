// MMADA_DEVICE is checked as strictly as --device: the same kind of error and exit status 2.
import { afterEach, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { deviceFromEnvironment, initDevice } from '../src/device-flag.js';
import { UsageError } from '../src/usage-error.js';
import { mmada } from './support.js';

const saved = process.env.MMADA_DEVICE;
afterEach(() => {
  if (saved === undefined) delete process.env.MMADA_DEVICE;
  else process.env.MMADA_DEVICE = saved;
});
const io = { stdout: () => {}, stderr: () => {}, interactive: false };

describe('initDevice', () => {
  it('refuses an unknown MMADA_DEVICE as a usage error, as it refuses an unknown --device', async () => {
    const env = await initDevice(undefined, io, 'tpu');
    expect(E.isLeft(env) && env.left).toBeInstanceOf(UsageError);
    expect(E.isLeft(env) && env.left.message).toBe('MMADA_DEVICE expects cpu or webgpu, got "tpu"');
    const flag = await initDevice('tpu', io, undefined);
    expect(E.isLeft(flag) && flag.left.message).toBe('--device expects cpu or webgpu, got "tpu"');
    // Even when the flag overrides it, a bad value is not ignored.
    expect(E.isLeft(await initDevice('cpu', io, 'gpu'))).toBe(true);
  });

  it('takes cpu from the environment, and treats an empty value as unset', async () => {
    expect(await initDevice(undefined, io, 'cpu')).toEqual(E.right('cpu'));
    expect(await initDevice('cpu', io, '')).toEqual(E.right('cpu'));
  });
});

describe('deviceFromEnvironment', () => {
  it('reads cpu / webgpu, treats unset and empty alike, and refuses anything else', () => {
    expect(deviceFromEnvironment('webgpu')).toEqual(E.right('webgpu'));
    expect(deviceFromEnvironment(undefined)).toEqual(E.right(undefined));
    expect(deviceFromEnvironment('')).toEqual(E.right(undefined));
    const bad = deviceFromEnvironment('CPU');
    expect(E.isLeft(bad) && bad.left).toBeInstanceOf(UsageError);
  });
});

describe('mmada with MMADA_DEVICE=tpu', () => {
  it('exits 2 with the usage, like --device tpu', async () => {
    const byFlag = await mmada('generate', '--model', '/nonexistent-model', '--prompt-ids', '1', '--device', 'tpu');
    process.env.MMADA_DEVICE = 'tpu';
    const byEnv = await mmada('generate', '--model', '/nonexistent-model', '--prompt-ids', '1');
    expect([byFlag.code, byEnv.code]).toEqual([2, 2]);
    expect(byFlag.stderr).toMatch(/^mmada generate: --device expects cpu or webgpu, got "tpu"\n\nmmada generate --model DIR/);
    expect(byEnv.stderr).toMatch(/^mmada generate: MMADA_DEVICE expects cpu or webgpu, got "tpu"\n\nmmada generate --model DIR/);
    // A command that makes no device without --device (info) refuses it as well.
    const info = await mmada('info', '--model', '/nonexistent-model');
    expect(info.code).toBe(2);
    expect(info.stderr).toMatch(/^mmada info: MMADA_DEVICE expects cpu or webgpu, got "tpu"/);
  });
});
