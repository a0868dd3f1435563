/**
 * MAGVIT-v2's encoder (spec/vq.md §2): conv_in, the down levels (resnet blocks, then a stride-2 downsample on
 * every level but the last), the mid block (resnet, single-head attention, resnet), then norm_out → swish →
 * conv_out → quant_conv. Attention runs only in the mid block: upstream's attn_resolutions = [5] is never reached.
 */
import { TensorError, type Tensor } from '@mmada/tensor';
import { attnBlock, downsample, normSwish, resnetBlock, sameConv, sequential } from './vq-blocks.js';
import type { VqConfig } from './vq-config.js';
import type { EncoderParameters, MidParameters } from './vq-parameters.js';

type Stage = (h: Tensor) => Tensor;

/** The mid block shared by encoder and decoder: resnet, attention, resnet. */
export function midStages(config: VqConfig, p: MidParameters): Stage[] {
  return [(h) => resnetBlock(config, p.block_1, h), (h) => attnBlock(config, p.attn_1, h), (h) => resnetBlock(config, p.block_2, h)];
}

/** images [B, 3, H, W] (≈[−1, 1]) → latents z [B, bits, H/f, W/f] before quantisation (f = 2^(levels−1)). */
export function encoderForward(config: VqConfig, p: EncoderParameters, images: Tensor): Tensor {
  if (images.rank !== 4 || images.shape[1] !== 3) {
    throw new TensorError('vq encode', `images must be [B, 3, H, W], got [${images.shape.join(', ')}]`);
  }
  const stages: Stage[] = [(x) => sameConv(p.conv_in, x)];
  for (const level of p.down) {
    for (const block of level.block) stages.push((h) => resnetBlock(config, block, h));
    if (level.downsample) stages.push((h) => downsample(level.downsample!.conv, h));
  }
  stages.push(...midStages(config, p.mid));
  stages.push((h) => normSwish(config, p.norm_out, h), (h) => sameConv(p.conv_out, h), (h) => sameConv(p.quant_conv, h));
  return sequential(images, stages);
}
