import { arange, gather, pad, reshape, runPrimitive, slice, sum, transpose, type PrimitiveParams, type Tensor } from '@mmada/tensor';
import { rule, type DifferentiableRule } from '../vjp-rule.js';

type ConvParams = PrimitiveParams['conv2d'];

function conv(x: Tensor, w: Tensor, params: ConvParams): Tensor {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [O, , kh, kw] = w.shape as [number, number, number, number];
  const [sh, sw] = params.stride;
  const [dh, dw] = params.dilation;
  const [top, bottom, left, right] = params.padding;
  const Ho = Math.floor((H + top + bottom - dh * (kh - 1) - 1) / sh) + 1;
  const Wo = Math.floor((W + left + right - dw * (kw - 1) - 1) / sw) + 1;
  return runPrimitive('conv2d', [x, w], params, [{ shape: [N, O, Ho, Wo], dtype: 'f32' }])[0]!;
}

/** Crops x's last two axes where a padding is negative; returns the padding left for the convolution. */
function cropNegative(x: Tensor, padding: [number, number, number, number]): { x: Tensor; padding: [number, number, number, number] } {
  const [top, bottom, left, right] = padding;
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  const t = Math.max(0, -top);
  const b = Math.max(0, -bottom);
  const l = Math.max(0, -left);
  const r = Math.max(0, -right);
  const cropped = t + b + l + r === 0 ? x : slice(x, [0, 0, t, l], [x.shape[0]!, x.shape[1]!, H - t - b, W - l - r]);
  return { x: cropped, padding: [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)] };
}

/** Inserts stride−1 zeros between the rows/columns of ct [N, O, Ho, Wo]. */
function dilate(ct: Tensor, sh: number, sw: number): Tensor {
  if (sh === 1 && sw === 1) return ct;
  const [N, O, Ho, Wo] = ct.shape as [number, number, number, number];
  const spread = pad(reshape(ct, [N, O, Ho, 1, Wo, 1]), [[0, 0], [0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1]]);
  return slice(reshape(spread, [N, O, Ho * sh, Wo * sw]), [0, 0, 0, 0], [N, O, (Ho - 1) * sh + 1, (Wo - 1) * sw + 1]);
}

/**
 * conv2d backward through conv2d itself:
 *   dx = conv(dilate(ct, stride), flip(w)ᵀ, stride 1, dilation d, padding (k−1)·d − pad (cropping where negative))
 *   dw = conv(xᵀ, ctᵀ, stride d, dilation stride) cropped to the kernel (ᵀ swaps the first two axes)
 *   db = Σ ct over N, H, W
 */
export const conv2dRule: DifferentiableRule<'conv2d'> = rule<'conv2d'>({
  saves: () => ({ inputs: [0, 1] }),
  vjp: ({ params, inputs, inputShapes }, [ct]) => {
    if (!ct) return params.hasBias ? [null, null, null] : [null, null];
    const x = inputs[0]!;
    const w = inputs[1]!;
    const [, , H, W] = inputShapes[0]! as [number, number, number, number];
    const [, , kh, kw] = inputShapes[1]! as [number, number, number, number];
    const [sh, sw] = params.stride;
    const [dh, dw] = params.dilation;
    const [top, , left] = params.padding;
    const [Ho, Wo] = [ct.shape[2]!, ct.shape[3]!];

    // dx
    const ctd = dilate(ct, sh, sw);
    const flipped = gather(gather(w, arange(kh - 1, -1, -1, 'i32', { device: w.device }), 2), arange(kw - 1, -1, -1, 'i32', { device: w.device }), 3);
    const wT = transpose(flipped, [1, 0, 2, 3]);
    const padTop = (kh - 1) * dh - top;
    const padLeft = (kw - 1) * dw - left;
    const padBottom = H - ctd.shape[2]! + top;
    const padRight = W - ctd.shape[3]! + left;
    const c = cropNegative(ctd, [padTop, padBottom, padLeft, padRight]);
    const dx = conv(c.x, wT, { stride: [1, 1], dilation: [dh, dw], padding: c.padding, hasBias: false });

    // dw
    // swapping the first two axes of a batch of one is a reshape (no copy of the activations)
    const swap01 = (t: Tensor) => (t.shape[0] === 1 ? reshape(t, [t.shape[1]!, 1, t.shape[2]!, t.shape[3]!]) : transpose(t, [1, 0, 2, 3]));
    const xT = swap01(x);
    const ctT = swap01(ct);
    const bottom = Math.max(0, (kh - 1) * dh + sh * (Ho - 1) + 1 - H - top);
    const right = Math.max(0, (kw - 1) * dw + sw * (Wo - 1) + 1 - W - left);
    const full = conv(xT, ctT, { stride: [dh, dw], dilation: [sh, sw], padding: [top, bottom, left, right], hasBias: false });
    const dwC = slice(full, [0, 0, 0, 0], [full.shape[0]!, full.shape[1]!, kh, kw]);
    const dW = transpose(dwC, [1, 0, 2, 3]);

    return params.hasBias ? [dx, dW, sum(ct, [0, 2, 3])] : [dx, dW];
  },
});
