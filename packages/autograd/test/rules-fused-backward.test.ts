/**
 * The attention and crossEntropy rules run the fused backward primitives (attentionBackward,
 * crossEntropyBackward) on every device: checked against central differences on the cpu device (pad masks
 * with pad rows and all-pad sequences, broadcast biases, cross attention, ignored targets, weights), webgpu
 * gradients against cpu gradients, no [B, H, Tq, Tk] composition in the backward pass, and no leaks.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@mmada/tensor';
import { valueAndGrad } from '../src/index.js';
import { checkGradient, gradsOn, makeData, type InputSpec } from '../../../tests/support/gradcheck.js';
import { rng } from '../../../tests/support/rng.js';
import { describeOnDevices } from '../../../tests/support/devices.js';
import { expectClose } from '../../../tests/support/expect-close.js';

const bool = (data: number[], shape: number[]): InputSpec => ({ shape, data, dtype: 'bool', constant: true });
const ids = (data: number[], shape: number[]): InputSpec => ({ shape, data, dtype: 'i32', constant: true });

describe('fused attention / crossEntropy rules against central differences (cpu)', () => {
  it('attention: pad query rows and an all-pad sequence, bias [B, 1, 1, T]', async () => {
    await checkGradient(
      (q, k, v, m, b) => T.attention(q, k, v, { keyPadMask: m, bias: b }),
      [{ shape: [2, 2, 3, 3] }, { shape: [2, 2, 3, 3] }, { shape: [2, 2, 3, 2] }, bool([1, 0, 1, 0, 0, 0], [2, 3]), { shape: [2, 1, 1, 3] }],
      { label: 'attention pad rows' },
    );
  });

  it('attention: cross attention with a full bias and a custom scale', async () => {
    await checkGradient(
      (q, k, v, b) => T.attention(q, k, v, { bias: b, scale: 0.8 }),
      [{ shape: [1, 2, 2, 3] }, { shape: [1, 2, 4, 3] }, { shape: [1, 2, 4, 2] }, { shape: [1, 2, 2, 4] }],
      { label: 'attention cross + bias' },
    );
  });

  it('crossEntropy: ignored rows, per-token weights, a [2, 3] batch of targets', async () => {
    await checkGradient(
      (l, t, w) => T.crossEntropy(l, t, { ignoreIndex: -1, weights: w }),
      [{ shape: [2, 3, 5], lo: -3, hi: 3 }, ids([0, -1, 4, 2, 2, -1], [2, 3]), { shape: [2, 3], constant: true }],
      { label: 'crossEntropy weighted' },
    );
  });
});

describe('the rules call the fused primitives', () => {
  it('no softmax or matmul runs in the backward of attention + crossEntropy', async () => {
    const r = rng(2);
    const mk = (shape: number[]) => T.tensor(makeData(r, { shape }), shape);
    const [q, k, v] = [mk([1, 2, 4, 4]), mk([1, 2, 4, 4]), mk([1, 2, 4, 4])];
    const mask = T.tensor([1, 1, 1, 0], [1, 4], 'bool');
    const targets = T.tensor([1, 2, 3, 0, 1, 2, 3, -100], [8], 'i32');
    const seen: string[] = [];
    let backward = false;
    const stop = T.onPrimitive((e) => {
      if (backward) seen.push(e.prim);
    });
    const { grads } = await valueAndGrad(async ([a, b, c]: T.Tensor[]) => {
      const o = T.attention(a!, b!, c!, { keyPadMask: mask });
      const loss = T.mean(T.crossEntropy(T.reshape(o, [8, 4]), targets));
      backward = true; // everything after the forward is the backward pass
      return loss;
    })([q, k, v]);
    stop();
    expect(seen).toContain('attentionBackward');
    expect(seen).toContain('crossEntropyBackward');
    expect(seen).not.toContain('softmax');
    expect(seen).not.toContain('matmul');
    T.dispose([q, k, v, mask, targets, ...grads]);
  });
});

describeOnDevices(['webgpu'], 'fused backward on webgpu equals cpu through autograd', () => {
  type Case = [string, (...xs: T.Tensor[]) => T.Tensor, InputSpec[]];
  const T70 = [...new Array<number>(60).fill(1), ...new Array<number>(10).fill(0)];
  const CASES: Case[] = [
    [
      'attention: mask with pad rows + all-pad sequence, bias [1, H, T, T]',
      (q, k, v, m, b) => T.attention(q, k, v, { keyPadMask: m, bias: b }),
      [{ shape: [2, 2, 5, 4] }, { shape: [2, 2, 5, 4] }, { shape: [2, 2, 5, 3] }, bool([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], [2, 5]), { shape: [1, 2, 5, 5] }],
    ],
    ['attention: T 70 over tiles, pad tail', (q, k, v, m) => T.attention(q, k, v, { keyPadMask: m }), [{ shape: [1, 2, 70, 8] }, { shape: [1, 2, 70, 8] }, { shape: [1, 2, 70, 8] }, bool(T70, [1, 70])]],
    ['crossEntropy: 700 classes, ignored row', (l, t) => T.crossEntropy(l, t), [{ shape: [3, 700], lo: -4, hi: 4 }, ids([5, -100, 699], [3])]],
  ];
  for (const [name, f, specs] of CASES) {
    it(name, async () => {
      const cpu = await gradsOn('cpu', f, specs);
      const gpu = await gradsOn('webgpu', f, specs);
      for (let j = 0; j < cpu.length; j++) await expectClose(gpu[j]!, cpu[j]!, { atol: 1e-5, rtol: 1e-4 }, `${name}: gradient ${j}`);
    });
  }

  it('a valueAndGrad step through the fused backward leaks nothing on webgpu', async () => {
    const r = rng(3);
    const mk = (shape: number[]) => T.tensor(makeData(r, { shape }), shape, 'f32', { device: 'webgpu' });
    const [q, k, v] = [mk([1, 2, 8, 4]), mk([1, 2, 8, 4]), mk([1, 2, 8, 4])];
    const bias = mk([1, 1, 8, 8]);
    const mask = T.tensor([1, 1, 1, 1, 1, 0, 0, 0], [1, 8], 'bool', { device: 'webgpu' });
    const targets = T.tensor(Array.from({ length: 16 }, (_, i) => i % 4), [16], 'i32', { device: 'webgpu' });
    const step = valueAndGrad(([a, b, c, d]: T.Tensor[]) =>
      T.mean(T.crossEntropy(T.reshape(T.attention(a!, b!, c!, { keyPadMask: mask, bias: d }), [16, 4]), targets)),
    );
    const once = async () => {
      const { value, grads } = await step([q, k, v, bias]);
      await value.data();
      T.dispose([value, ...grads]);
    };
    await once();
    const before = T.memory();
    for (let i = 0; i < 5; i++) await once();
    expect(T.memory()).toEqual(before);
    T.dispose([q, k, v, bias, mask, targets]);
  });
});
