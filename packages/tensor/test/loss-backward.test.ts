/**
 * The fused crossEntropyBackward primitive: on the cpu device against g·(softmax − onehot), and on webgpu against
 * the cpu oracle (rows of 7, 300 and 3000 classes; ignored and out-of-range targets). Tolerance: atol 1e-6, rtol 1e-4.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';
import { rng } from '../../../tests/support/rng.js';


function rand(r: () => number, shape: readonly number[], scale = 1): number[] {
  return Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => scale * (2 * r() - 1));
}

function ceInputs(device: T.DeviceName, R: number, V: number, targets: number[], seed = 4) {
  const r = rng(seed);
  const logits = T.tensor(rand(r, [R, V], 4), [R, V], 'f32', { device });
  const t = T.tensor(targets, [R], 'i32', { device });
  const g = T.tensor(rand(r, [R]), [R], 'f32', { device });
  return { logits, t, g };
}

describe('crossEntropyBackward on the cpu device', () => {
  it('equals g·(softmax − onehot), 0 for ignored rows, NaN for out-of-range targets', async () => {
    await T.scope(async () => {
      const { logits, t, g } = ceInputs('cpu', 5, 7, [3, -100, 0, 6, 9]);
      const dx = T.crossEntropyBackward(logits, t, g, -100);
      const hot = T.oneHot(T.tensor([3, 0, 0, 6, 0], [5], 'i32'), 7);
      const ref = await T.mul(T.sub(T.softmax(logits, -1), hot), T.expandDims(g, -1)).data();
      const got = await dx.data();
      for (let j = 0; j < 7; j++) {
        expect(got[7 + j]).toBe(0);
        expect(Number.isNaN(got[28 + j]!)).toBe(true);
      }
      for (const r of [0, 2, 3]) for (let j = 0; j < 7; j++) expect(Math.abs(got[r * 7 + j]! - ref[r * 7 + j]!)).toBeLessThan(1e-6);
    });
  });
});

describeOnDevices(['webgpu'], 'crossEntropyBackward on webgpu matches the cpu oracle', () => {
  it('crossEntropyBackward: rows of 7, 300 and 3000 classes with ignored and out-of-range targets', async () => {
    for (const [R, V, targets] of [
      [5, 7, [3, -100, 0, 6, 9]],
      [3, 300, [299, 17, -100]],
      [2, 3000, [1234, -1]],
    ] as [number, number, number[]][]) {
      const run = (device: T.DeviceName) =>
        T.scope(async () => {
          const { logits, t, g } = ceInputs(device, R, V, targets);
          return Array.from(await T.crossEntropyBackward(logits, t, g, -100).data());
        });
      const [cpu, gpu] = [await run('cpu'), await run('webgpu')];
      cpu.forEach((w, i) => {
        const got = gpu[i]!;
        if (Number.isNaN(w)) expect(Number.isNaN(got), `[${i}] NaN`).toBe(true);
        else if (!(Math.abs(got - w) <= 1e-6 + 1e-4 * Math.abs(w))) expect.fail(`V ${V} [${i}]: webgpu ${got}, cpu ${w}`);
      });
    }
  });
});
