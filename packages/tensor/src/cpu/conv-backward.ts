import type { Kernel } from '../backend.js';
import { CpuStorage, values } from './storage.js';

/** Direct loops over (n, o, i, j, c, u, v), the gradient scattered back to every x pixel a tap read; doubles. */
export const conv2dBackwardInput: Kernel<'conv2dBackwardInput'> = (inputs, { stride, padding, dilation }, [out]) => {
  const [g, w] = inputs as [NonNullable<typeof inputs[0]>, NonNullable<typeof inputs[0]>];
  const [N, O, Ho, Wo] = g.shape as [number, number, number, number];
  const [, C, KH, KW] = w.shape as [number, number, number, number];
  const [, , H, W] = out!.shape as [number, number, number, number];
  const vg = values(g);
  const vw = values(w);
  const dx = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          const gv = vg[((n * O + o) * Ho + i) * Wo + j]!;
          for (let c = 0; c < C; c++)
            for (let u = 0; u < KH; u++) {
              const y = i * stride[0] + u * dilation[0] - padding[0];
              if (y < 0 || y >= H) continue;
              for (let v = 0; v < KW; v++) {
                const x = j * stride[1] + v * dilation[1] - padding[2];
                if (x < 0 || x >= W) continue;
                dx[((n * C + c) * H + y) * W + x] += gv * vw[((o * C + c) * KH + u) * KW + v]!;
              }
            }
        }
  return [new CpuStorage(Float32Array.from(dx))];
};

/** Direct loops: each weight's gradient summed over every (n, i, j) in a double. */
export const conv2dBackwardWeight: Kernel<'conv2dBackwardWeight'> = (inputs, { stride, padding, dilation }, [out]) => {
  const [x, g] = inputs as [NonNullable<typeof inputs[0]>, NonNullable<typeof inputs[0]>];
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, O, Ho, Wo] = g.shape as [number, number, number, number];
  const [, , KH, KW] = out!.shape as [number, number, number, number];
  const vx = values(x);
  const vg = values(g);
  const dw = new Float32Array(O * C * KH * KW);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++)
      for (let u = 0; u < KH; u++)
        for (let v = 0; v < KW; v++) {
          let acc = 0;
          for (let n = 0; n < N; n++)
            for (let i = 0; i < Ho; i++) {
              const y = i * stride[0] + u * dilation[0] - padding[0];
              if (y < 0 || y >= H) continue;
              for (let j = 0; j < Wo; j++) {
                const xx = j * stride[1] + v * dilation[1] - padding[2];
                if (xx < 0 || xx >= W) continue;
                acc += vg[((n * O + o) * Ho + i) * Wo + j]! * vx[((n * C + c) * H + y) * W + xx]!;
              }
            }
          dw[((o * C + c) * KH + u) * KW + v] = acc;
        }
  return [new CpuStorage(dw)];
};
