/**
 * MAGVIT-v2's decoder (spec/vq.md §3): post_quant_conv → conv_in, the mid block, then the up levels from the
 * last to level 0 (level i runs exactly decoderNumResBlocks[i] resnet blocks, then a nearest ×2 upsample on
 * every level but 0), then norm_out → swish → conv_out. Plain GroupNorm everywhere; the output is not clamped.
 */
import { TensorError, type Tensor } from '@mmada/tensor';
import { normSwish, resnetBlock, sameConv, sequential, upsample } from './vq-blocks.js';
import type { VqConfig } from './vq-config.js';
import { midStages } from './vq-encoder.js';
import type { DecoderParameters } from './vq-parameters.js';

type Stage = (h: Tensor) => Tensor;

/** quantised latents [B, bits, h, w] (±1) → images [B, 3, h·f, w·f] in ≈[−1, 1]. */
export function decoderForward(config: VqConfig, p: DecoderParameters, codes: Tensor): Tensor {
  if (codes.rank !== 4 || codes.shape[1] !== config.bits) {
    throw new TensorError('vq decode', `codes must be [B, ${config.bits}, h, w], got [${codes.shape.join(', ')}]`);
  }
  const stages: Stage[] = [(z) => sameConv(p.post_quant_conv, z), (h) => sameConv(p.conv_in, h), ...midStages(config, p.mid)];
  for (let i = p.up.length - 1; i >= 0; i--) {
    const level = p.up[i]!;
    for (const block of level.block) stages.push((h) => resnetBlock(config, block, h));
    if (level.upsample) stages.push((h) => upsample(level.upsample!.conv, h));
  }
  stages.push((h) => normSwish(config, p.norm_out, h), (h) => sameConv(p.conv_out, h));
  return sequential(codes, stages);
}
