/**
 * conv2d's input gradient by rows (webgpu/kernels/conv-backward-input-rows.ts): which geometries take it, and its
 * grid wrapped onto z where the columns exceed the workgroups per dimension (a backend told to assume a limit of 3).
 * Its values against the cpu oracle are in webgpu-kernels.test.ts (the conv2dBackwardInput cases) and, with lane
 * sharing on and off, in lane-sharing.test.ts.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Backend, OutSpec, TensorRef } from '../src/backend.js';
import type { PrimitiveParams } from '../src/primitives.js';
import { sizeOf } from '../src/shape.js';
import { getBackend } from '../src/engine.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/webgpu/backend.js';
import { inputRowsApply } from '../src/webgpu/kernels/conv-backward-input-rows.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { rng } from '../../../tests/support/rng.js';

type Params = PrimitiveParams['conv2dBackwardInput'];
const geometry = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number] = [1, 1]): Params => ({
  stride,
  padding,
  dilation,
});

it('takes 3-wide kernels, undilated across, at a horizontal stride of 1 or 2, on rows of a multiple of 4 pixels', () => {
  const same = geometry([1, 1], [1, 1, 1, 1]);
  const down = geometry([2, 2], [0, 1, 0, 1]);
  expect(inputRowsApply([16, 3, 3, 3], same, [1, 3, 64, 64])).toBe(true);
  expect(inputRowsApply([16, 16, 3, 3], down, [32, 16, 32, 32])).toBe(true);
  // any kernel height, vertical stride and vertical dilation (rows go by phase class)
  expect(inputRowsApply([4, 4, 5, 3], geometry([3, 2], [2, 1, 1, 0], [2, 1]), [1, 4, 11, 8])).toBe(true);
  expect(inputRowsApply([4, 4, 3, 3], same, [1, 4, 8, 6]), 'a row of 6 pixels').toBe(false);
  expect(inputRowsApply([4, 4, 3, 5], same, [1, 4, 8, 8]), 'a 5-wide kernel').toBe(false);
  expect(inputRowsApply([4, 4, 1, 1], geometry([1, 1], [0, 0, 0, 0]), [1, 4, 8, 8]), '1×1').toBe(false);
  expect(inputRowsApply([4, 4, 3, 3], geometry([1, 3], [1, 1, 1, 1]), [1, 4, 8, 12]), 'stride 3 across').toBe(false);
  expect(inputRowsApply([4, 4, 3, 3], geometry([1, 1], [2, 2, 2, 2], [1, 2]), [1, 4, 8, 8]), 'dilated across').toBe(false);
});

// Held for the whole file: dawn.node must not collect a GPU object while its device lives.
let narrow: WebGPUBackend | null = null;

describeOnDevices(['webgpu'], 'conv2dBackwardInput by rows, grid wrapped onto z', () => {
  let wide: WebGPUBackend;
  beforeAll(async () => {
    wide = getBackend('webgpu') as WebGPUBackend;
    narrow ??= await createWebGPUBackend({ maxWorkgroupsPerDim: 3 });
  });

  async function dx(b: Backend, inputs: { data: Float32Array; shape: number[] }[], p: Params, out: OutSpec): Promise<Float32Array> {
    const refs: TensorRef[] = inputs.map((t) => ({ storage: b.upload(t.data, 'f32'), shape: t.shape, dtype: 'f32', size: sizeOf(t.shape) }));
    const kernel = (b.kernels as unknown as Record<string, (i: TensorRef[], p: unknown, o: OutSpec[]) => unknown[]>).conv2dBackwardInput!;
    const [res] = kernel(refs, p, [out]);
    const data = (await b.read({ storage: res as never, shape: out.shape, dtype: 'f32', size: sizeOf(out.shape) })) as Float32Array;
    for (const r of refs) b.free(r.storage);
    b.free(res as never);
    return data;
  }

  it('gives the same values as one row of workgroups', async () => {
    expect(narrow!.runtime.maxWorkgroupsPerDim).toBe(3);
    const r = rng(5);
    const host = (shape: number[]) => ({ data: Float32Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1), shape });
    // columns = images × rows of a class × blocks of 8 pixels: 2 × 8 × 2 = 32 and 3 × 5 × 3 = 45 (4 and 6 workgroups)
    for (const c of [
      { x: [2, 5, 8, 16], w: [4, 5, 3, 3], p: geometry([1, 1], [1, 1, 1, 1]), g: [2, 4, 8, 16] },
      { x: [3, 9, 10, 24], w: [6, 9, 3, 3], p: geometry([2, 2], [0, 1, 0, 1]), g: [3, 6, 5, 12] },
    ]) {
      expect(inputRowsApply(c.w, c.p, c.x)).toBe(true);
      const inputs = [host(c.g), host(c.w)];
      const out = { shape: c.x, dtype: 'f32' as const };
      const [a, b] = [await dx(wide, inputs, c.p, out), await dx(narrow!, inputs, c.p, out)];
      expect(b.length).toBe(a.length);
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ++;
      expect(differ, JSON.stringify(c)).toBe(0);
      expect(a.some((v) => v !== 0)).toBe(true);
    }
  });
});
