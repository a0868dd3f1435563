/**
 * conv2d and its input gradient by rows (webgpu/kernels/conv-rows.ts): which geometries take that kernel, and its
 * grid wrapped onto z where the columns exceed the workgroups per dimension (a backend told to assume a limit of 4).
 * Its values against the cpu oracle are in webgpu-kernels.test.ts (the conv2d and conv2dBackwardInput cases) and,
 * with lane sharing on and off, in lane-sharing.test.ts.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Backend, OutSpec, TensorRef } from '../src/backend.js';
import type { PrimitiveParams } from '../src/primitives.js';
import { sizeOf } from '../src/shape.js';
import { getBackend } from '../src/engine.js';
import { createWebGPUBackend, type WebGPUBackend } from '../src/webgpu/backend.js';
import { forwardRowsApply, inputRowsApply } from '../src/webgpu/kernels/conv-rows.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { rng } from '../../../tests/support/rng.js';

type Params = PrimitiveParams['conv2dBackwardInput'];
type ForwardParams = PrimitiveParams['conv2d'];
const geometry = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number] = [1, 1]): Params => ({
  stride,
  padding,
  dilation,
});

it('takes the input gradient of 3-wide kernels, undilated across, at a horizontal stride of 1 or 2, on rows of a multiple of 8 pixels and gradient rows of a multiple of 4', () => {
  const same = geometry([1, 1], [1, 1, 1, 1]);
  const down = geometry([2, 2], [0, 1, 0, 1]);
  expect(inputRowsApply([16, 3, 3, 3], same, [1, 16, 64, 64], [1, 3, 64, 64])).toBe(true);
  expect(inputRowsApply([16, 16, 3, 3], down, [32, 16, 16, 16], [32, 16, 32, 32])).toBe(true);
  expect(inputRowsApply([256, 256, 3, 3], down, [1, 256, 4, 4], [1, 256, 8, 8]), 'one 8² image at stride 2').toBe(true);
  // any kernel height, vertical stride and vertical dilation (rows go by phase class)
  expect(inputRowsApply([4, 4, 5, 3], geometry([3, 2], [2, 1, 1, 0], [2, 1]), [1, 4, 2, 4], [1, 4, 11, 8])).toBe(true);
  expect(inputRowsApply([4, 4, 3, 3], same, [8, 4, 8, 12], [8, 4, 8, 12]), 'a row of 12 pixels').toBe(false);
  expect(inputRowsApply([4, 4, 3, 3], geometry([1, 1], [1, 3, 1, 3]), [8, 4, 10, 10], [8, 4, 8, 8]), 'gradient rows of 10').toBe(false);
  expect(inputRowsApply([4, 4, 3, 5], same, [8, 4, 8, 6], [8, 4, 8, 8]), 'a 5-wide kernel').toBe(false);
  expect(inputRowsApply([4, 4, 1, 1], geometry([1, 1], [0, 0, 0, 0]), [8, 4, 8, 8], [8, 4, 8, 8]), '1×1').toBe(false);
  expect(inputRowsApply([4, 4, 3, 3], geometry([1, 3], [1, 1, 1, 1]), [8, 4, 8, 8], [8, 4, 8, 24]), 'stride 3 across').toBe(false);
  expect(inputRowsApply([4, 4, 3, 3], geometry([1, 1], [2, 2, 2, 2], [1, 2]), [8, 4, 8, 8], [8, 4, 8, 8]), 'dilated across').toBe(false);
});

it('takes conv2d of 3-wide kernels, undilated across, at stride 1, on output rows of a multiple of 8 and input rows of a multiple of 4, with 16 blocks of 8', () => {
  const f = (stride: [number, number], padding: [number, number, number, number], dilation: [number, number] = [1, 1]): ForwardParams => ({
    stride,
    padding,
    dilation,
    hasBias: false,
  });
  expect(forwardRowsApply([128, 3, 3, 3], f([1, 1], [1, 1, 1, 1]), [1, 3, 64, 64], [1, 128, 64, 64])).toBe(true);
  expect(forwardRowsApply([8, 4, 5, 3], f([1, 1], [2, 2, 1, 1], [2, 1]), [2, 4, 12, 8], [2, 8, 8, 8]), 'any kernel height and dilation down').toBe(true);
  expect(forwardRowsApply([8, 4, 3, 3], f([1, 1], [1, 1, 1, 1]), [1, 4, 8, 8], [1, 8, 8, 8]), 'one 8² image: 8 blocks').toBe(false);
  expect(forwardRowsApply([8, 4, 3, 3], f([1, 1], [3, 3, 3, 3]), [4, 4, 4, 4], [4, 8, 8, 8]), 'input rows of 4').toBe(true);
  expect(forwardRowsApply([8, 4, 3, 3], f([1, 1], [1, 2, 1, 2]), [4, 4, 7, 7], [4, 8, 8, 8]), 'input rows of 7').toBe(false);
  expect(forwardRowsApply([8, 4, 3, 3], f([2, 2], [0, 1, 0, 1]), [8, 4, 16, 16], [8, 8, 8, 8]), 'stride 2').toBe(false);
  expect(forwardRowsApply([8, 4, 3, 3], f([1, 1], [1, 1, 1, 1]), [16, 4, 8, 12], [16, 8, 8, 12]), 'a row of 12').toBe(false);
  expect(forwardRowsApply([8, 4, 3, 3], f([1, 1], [2, 2, 2, 2], [2, 2]), [8, 4, 8, 8], [8, 8, 8, 8]), 'dilated across').toBe(false);
  expect(forwardRowsApply([8, 4, 1, 1], f([1, 1], [0, 0, 0, 0]), [8, 4, 8, 8], [8, 8, 8, 8]), '1×1').toBe(false);
});

// Held for the whole file: dawn.node must not collect a GPU object while its device lives.
let narrow: WebGPUBackend | null = null;

describeOnDevices(['webgpu'], 'conv2dBackwardInput by rows, grid wrapped onto z', () => {
  let wide: WebGPUBackend;
  beforeAll(async () => {
    wide = getBackend('webgpu') as WebGPUBackend;
    narrow ??= await createWebGPUBackend({ maxWorkgroupsPerDim: 4 });
  });

  async function run(b: Backend, prim: 'conv2d' | 'conv2dBackwardInput', inputs: { data: Float32Array; shape: number[] }[], p: Params | ForwardParams, out: OutSpec): Promise<Float32Array> {
    const refs: TensorRef[] = inputs.map((t) => ({ storage: b.upload(t.data, 'f32'), shape: t.shape, dtype: 'f32', size: sizeOf(t.shape) }));
    const kernel = (b.kernels as unknown as Record<string, (i: TensorRef[], p: unknown, o: OutSpec[]) => unknown[]>)[prim]!;
    const [res] = kernel(refs, p, [out]);
    const data = (await b.read({ storage: res as never, shape: out.shape, dtype: 'f32', size: sizeOf(out.shape) })) as Float32Array;
    for (const r of refs) b.free(r.storage);
    b.free(res as never);
    return data;
  }

  it('gives the same values as one row of workgroups', async () => {
    expect(narrow!.runtime.maxWorkgroupsPerDim).toBe(4);
    const r = rng(5);
    const host = (shape: number[]) => ({ data: Float32Array.from({ length: sizeOf(shape) }, () => 2 * r() - 1), shape });
    // columns = images × rows of a phase class × blocks of 8 pixels, 8 per workgroup: 3 × 8 × 2 = 48 (6 workgroups:
    // 4, then 2 on z = 1), at stride 2 3 × 5 × 3 = 45 in each of 2 classes (z = class + 2 · wrap, 0 … 3), and the
    // forward's 4 × 8 × 2 = 64
    for (const c of [
      { x: [3, 5, 8, 16], w: [4, 5, 3, 3], p: geometry([1, 1], [1, 1, 1, 1]), g: [3, 4, 8, 16] },
      { x: [3, 9, 10, 24], w: [6, 9, 3, 3], p: geometry([2, 2], [0, 1, 0, 1]), g: [3, 6, 5, 12] },
      { x: [4, 5, 8, 16], w: [4, 5, 3, 3], p: { ...geometry([1, 1], [1, 1, 1, 1]), hasBias: false }, y: [4, 4, 8, 16] },
    ]) {
      const forward = 'y' in c;
      const inputs = forward ? [host(c.x), host(c.w)] : [host(c.g!), host(c.w)];
      const out = { shape: forward ? c.y! : c.x, dtype: 'f32' as const };
      const prim = forward ? 'conv2d' : 'conv2dBackwardInput';
      expect(forward ? forwardRowsApply(c.w, c.p as ForwardParams, c.x, c.y!) : inputRowsApply(c.w, c.p, c.g!, c.x)).toBe(true);
      const [a, b] = [await run(wide, prim, inputs, c.p, out), await run(narrow!, prim, inputs, c.p, out)];
      expect(b.length).toBe(a.length);
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ++;
      expect(differ, JSON.stringify(c)).toBe(0);
      expect(a.some((v) => v !== 0)).toBe(true);
    }
  });
});
