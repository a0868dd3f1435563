import { run1 } from '../engine.js';
import { TensorError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { floatInput, releaseTemps, resultLike } from './nn-util.js';
import { broadcastTo } from './layout.js';
import { reshapeRaw } from './util.js';

export interface Conv2dOptions {
  /** Step between output positions: n or [sh, sw]. Default 1. */
  stride?: number | readonly [number, number];
  /** Zero padding: n (all sides), [ph, pw] (symmetric), or [top, bottom, left, right]. Default 0. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Spacing between kernel taps: n or [dh, dw]. Default 1. */
  dilation?: number | readonly [number, number];
}

function pair(op: string, what: string, v: number | readonly number[], min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || p.some((e) => !Number.isInteger(e) || e < min)) {
    throw new TensorError(op, `${what} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p as [number, number];
}

function padding4(v: Conv2dOptions['padding']): [number, number, number, number] {
  const p = v === undefined ? [0, 0, 0, 0] : typeof v === 'number' ? [v, v, v, v] : v.length === 2 ? [v[0], v[0], v[1], v[1]] : [...v];
  if (p.length !== 4 || p.some((e) => !Number.isInteger(e) || e! < 0)) {
    throw new TensorError('conv2d', `padding must be n, [ph, pw] or [top, bottom, left, right] of integers ≥ 0, got ${JSON.stringify(v)}`);
  }
  return p as [number, number, number, number];
}

/**
 * 2-D convolution (cross-correlation, as torch.nn.functional.conv2d) on NCHW: x [N, C, H, W],
 * w [O, C, kh, kw], optional bias [O] -> [N, O, Ho, Wo]. Asymmetric zero padding is given as
 * [top, bottom, left, right] (MAGVIT's Downsample pads [0, 1, 0, 1] then convolves with stride 2).
 */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  if (x.rank !== 4 || w.rank !== 4) throw new TensorError('conv2d', `x must be [N, C, H, W] and w [O, C, kh, kw]; got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cw, KH, KW] = w.shape as [number, number, number, number];
  if (Cw !== C) throw new TensorError('conv2d', `w ${fmtShape(w.shape)} has ${Cw} input channels, x ${fmtShape(x.shape)} has ${C}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) throw new TensorError('conv2d', `bias must be [${O}], got ${fmtShape(bias.shape)}`);
  const stride = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const dilation = pair('conv2d', 'dilation', opts.dilation ?? 1, 1);
  const padding = padding4(opts.padding);
  const Ho = Math.floor((H + padding[0] + padding[1] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const Wo = Math.floor((W + padding[2] + padding[3] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  if (Ho <= 0 || Wo <= 0) {
    throw new TensorError('conv2d', `kernel ${KH}x${KW} (dilation ${dilation.join('x')}) is larger than the padded input ${fmtShape(x.shape)} with padding [${padding.join(', ')}]`);
  }
  const inputs = [floatInput('conv2d', 'x', x), floatInput('conv2d', 'w', w), ...(bias ? [floatInput('conv2d', 'bias', bias)] : [])];
  const y = run1('conv2d', inputs, { stride, padding, dilation, hasBias: !!bias }, { shape: [N, O, Ho, Wo], dtype: 'f32' });
  releaseTemps(inputs, [x, w, bias]);
  return resultLike(y, x.dtype);
}

/** Nearest-neighbour upsampling of NCHW by an integer factor: out[n, c, i, j] = x[n, c, floor(i/s), floor(j/s)]. */
export function upsampleNearest2d(x: Tensor, scale = 2): Tensor {
  if (x.rank !== 4) throw new TensorError('upsampleNearest2d', `x must be [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(scale) || scale < 1) throw new TensorError('upsampleNearest2d', `scale must be a positive integer, got ${scale}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const a = reshapeRaw(x, [N, C, H, 1, W, 1]);
  const b = broadcastTo(a, [N, C, H, scale, W, scale]);
  const y = reshapeRaw(b, [N, C, H * scale, W * scale]);
  a.dispose();
  b.dispose();
  return y;
}
