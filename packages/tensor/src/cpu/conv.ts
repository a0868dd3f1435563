import type { Kernel } from '../backend.js';
import { CpuStorage, values } from './storage.js';

/** Direct convolution, accumulating each output in a double. */
export const conv2d: Kernel<'conv2d'> = (inputs, { stride, padding, dilation, hasBias }, [out]) => {
  const [x, w] = inputs as [NonNullable<typeof inputs[0]>, NonNullable<typeof inputs[0]>];
  const bias = hasBias ? values(inputs[2]!) : null;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const [, , Ho, Wo] = out!.shape as [number, number, number, number];
  const [sh, sw] = stride;
  const [dh, dw] = dilation;
  const [top, , left] = padding;
  const vx = values(x);
  const vw = values(w);
  const y = new Float32Array(N * O * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let acc = bias ? bias[o]! : 0;
          for (let c = 0; c < C; c++)
            for (let u = 0; u < KH; u++) {
              const yy = i * sh + u * dh - top;
              if (yy < 0 || yy >= H) continue;
              for (let v = 0; v < KW; v++) {
                const xx = j * sw + v * dw - left;
                if (xx < 0 || xx >= W) continue;
                acc += vw[((o * C + c) * KH + u) * KW + v]! * vx[((n * C + c) * H + yy) * W + xx]!;
              }
            }
          y[((n * O + o) * Ho + i) * Wo + j] = acc;
        }
  return [new CpuStorage(y)];
};
