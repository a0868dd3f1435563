/**
 * The building blocks of MAGVIT-v2's encoder and decoder (spec/vq.md §1), as pure functions of their
 * parameters on NCHW tensors. Every convolution is zero-padded and has a bias; there is no time embedding.
 * Temporaries are freed as each block finishes (so the full-size model fits), and the blocks differentiate.
 */
import { add, attention, conv2d, groupNorm, reshape, scopeSync, transpose, upsampleNearest2d, type Tensor } from '@mmada/tensor';
import type { VqConfig } from './vq-config.js';
import type { AttnBlockParameters, ConvParameters, NormParameters, ResnetBlockParameters } from './vq-parameters.js';

/** GroupNorm with the tokenizer's group count and epsilon (32 groups, eps 1e-6 released). */
export const vqNorm = (config: VqConfig, p: NormParameters, x: Tensor): Tensor => groupNorm(x, config.normGroups, p.weight, p.bias, config.normEps);

/**
 * Runs the stages of a network one after another, freeing each intermediate as soon as the next stage has
 * consumed it (the input itself is never freed), so only a couple of activations are alive at a time.
 */
export function sequential(x: Tensor, stages: ReadonlyArray<(h: Tensor) => Tensor>): Tensor {
  let h = x;
  for (const stage of stages) {
    const next = stage(h);
    if (h !== x && next !== h) h.dispose();
    h = next;
  }
  return h;
}

/** A convolution whose padding keeps the spatial size (kernel k, stride 1, padding ⌊k/2⌋ on each side). */
export const sameConv = (p: ConvParameters, x: Tensor): Tensor => {
  const k = p.weight.shape[2]!;
  return conv2d(x, p.weight, p.bias, { padding: (k - 1) >> 1 });
};

/** swish(norm(x)), the pre-activation every resnet block and both output heads use (one kernel each way). */
export const normSwish = (config: VqConfig, p: NormParameters, x: Tensor): Tensor =>
  groupNorm(x, config.normGroups, p.weight, p.bias, config.normEps, { silu: true });

/** x (or its 1×1 projection when the channel count changes) + conv2(swish(norm2(conv1(swish(norm1(x)))))). */
export function resnetBlock(config: VqConfig, p: ResnetBlockParameters, x: Tensor): Tensor {
  return scopeSync(() => {
    const h = sameConv(p.conv1, normSwish(config, p.norm1, x));
    const h2 = sameConv(p.conv2, normSwish(config, p.norm2, h));
    return add(p.nin_shortcut ? sameConv(p.nin_shortcut, x) : x, h2);
  });
}

/** [B, C, H, W] → [B, 1, H·W, C]: one attention head over the raster-ordered positions. */
function toSequence(x: Tensor): Tensor {
  const [B, C, H, W] = x.shape as [number, number, number, number];
  return reshape(transpose(reshape(x, [B, C, H * W]), [0, 2, 1]), [B, 1, H * W, C]);
}

/** Single-head self-attention over all H·W positions, scores scaled by C^-½, with a residual connection. */
export function attnBlock(config: VqConfig, p: AttnBlockParameters, x: Tensor): Tensor {
  return scopeSync(() => {
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const h = vqNorm(config, p.norm, x);
    const q = toSequence(sameConv(p.q, h));
    const k = toSequence(sameConv(p.k, h));
    const v = toSequence(sameConv(p.v, h));
    const o = attention(q, k, v, { scale: 1 / Math.sqrt(C) });
    const back = reshape(transpose(reshape(o, [B, H * W, C]), [0, 2, 1]), [B, C, H, W]);
    return add(x, sameConv(p.proj_out, back));
  });
}

/** Halves H and W: zero-pad one row at the bottom and one column at the right, then a stride-2 3×3 conv. */
export const downsample = (p: ConvParameters, x: Tensor): Tensor => conv2d(x, p.weight, p.bias, { stride: 2, padding: [0, 1, 0, 1] });

/** Doubles H and W: nearest-neighbour ×2, then a 3×3 conv. */
export const upsample = (p: ConvParameters, x: Tensor): Tensor =>
  scopeSync(() => sameConv(p, upsampleNearest2d(x, 2)));
