/**
 * The shared op suite: every op runs on the device under test (WebGPU when an adapter exists)
 * and on the cpu reference, on seeded random shapes with size-1 dims, odd sizes, broadcasting
 * and non-contiguous inputs (results of transpose/slice), and the results are compared.
 */
import { beforeAll, describe, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { OP_PARITY_CASES, runOpCase } from './op-parity-cases.js';

beforeAll(async () => {
  await T.init({ device: 'cpu' });
});

describeOnDevices(['webgpu'], 'ops: webgpu against the cpu reference', () => {
  for (const c of OP_PARITY_CASES) {
    it(c.name, async () => {
      for (const seed of [1, 2, 3]) {
        await T.scope(async () => {
          const want = await runOpCase('cpu', c, seed * 101 + c.name.length);
          const got = await runOpCase('webgpu', c, seed * 101 + c.name.length);
          for (let i = 0; i < want.length; i++) {
            const exact = want[i]!.dtype !== 'f32' && want[i]!.dtype !== 'f16';
            await expectClose(got[i]!, want[i]!, exact ? { atol: 0, rtol: 0 } : { atol: c.atol ?? 1e-5, rtol: c.rtol ?? 1e-5 }, `${c.name} seed ${seed} output ${i}`);
          }
        });
      }
    });
  }
});
