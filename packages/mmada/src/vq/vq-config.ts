/**
 * The hyper-parameters of a MAGVIT-v2 image tokenizer (spec/vq.md §2–§4). The released `showlab/magvitv2`
 * checkpoint hard-codes them (its config.json carries no architecture fields), so `MAGVITV2_CONFIG` is the
 * default; small tokenizers trained here write the fields that differ into their config.json.
 */
import { TensorError } from '@mmada/tensor';

export interface VqConfig {
  /** Base channel count `ch` of encoder and decoder (128 released). */
  readonly ch: number;
  /** Encoder channel multipliers, one per level (released [1, 2, 2, 4, 4]). */
  readonly encoderChMult: readonly number[];
  /** Resnet blocks per encoder level (released [4, 3, 4, 3, 4]). */
  readonly encoderNumResBlocks: readonly number[];
  /** Decoder channel multipliers, indexed by level as upstream's `up[i]` (released [1, 1, 2, 2, 4]). */
  readonly decoderChMult: readonly number[];
  /** Resnet blocks per decoder level `up[i]` (released [4, 4, 3, 4, 3]); exactly this many, not +1. */
  readonly decoderNumResBlocks: readonly number[];
  /** LFQ bits = `z_channels` (13 released: a 2¹³ = 8192-code codebook). */
  readonly bits: number;
  /** GroupNorm groups (32 released); tiny tokenizers with fewer channels need fewer. */
  readonly normGroups: number;
  /** GroupNorm epsilon (1e-6 released). */
  readonly normEps: number;
}

/** The released showlab/magvitv2 tokenizer used by Show-o and MMaDA. */
export const MAGVITV2_CONFIG: VqConfig = Object.freeze({
  ch: 128,
  encoderChMult: Object.freeze([1, 2, 2, 4, 4]),
  encoderNumResBlocks: Object.freeze([4, 3, 4, 3, 4]),
  decoderChMult: Object.freeze([1, 1, 2, 2, 4]),
  decoderNumResBlocks: Object.freeze([4, 4, 3, 4, 3]),
  bits: 13,
  normGroups: 32,
  normEps: 1e-6,
});

/** The largest supported bit count: ids are computed in f32 on the device, exact below 2²⁴. */
export const MAX_LFQ_BITS = 24;

/** Pixels per token along each side: 2^(levels − 1) (16 released). */
export const downsampleFactor = (config: VqConfig): number => 2 ** (config.encoderChMult.length - 1);

/** Number of codes, 2^bits (8192 released). */
export const codebookSize = (config: VqConfig): number => 2 ** config.bits;

/** The problems with a config, in words (empty when it is usable). */
export function vqConfigProblems(config: VqConfig): string[] {
  const problems: string[] = [];
  const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!posInt(config.ch)) problems.push(`ch must be a positive integer, got ${config.ch}`);
  if (!posInt(config.bits) || config.bits > MAX_LFQ_BITS) problems.push(`bits must be an integer in 1..${MAX_LFQ_BITS}, got ${config.bits}`);
  if (!posInt(config.normGroups)) problems.push(`normGroups must be a positive integer, got ${config.normGroups}`);
  if (!(config.normEps >= 0)) problems.push(`normEps must be ≥ 0, got ${config.normEps}`);
  const lists: Array<[string, readonly number[]]> = [
    ['encoderChMult', config.encoderChMult],
    ['encoderNumResBlocks', config.encoderNumResBlocks],
    ['decoderChMult', config.decoderChMult],
    ['decoderNumResBlocks', config.decoderNumResBlocks],
  ];
  for (const [name, list] of lists) {
    if (!Array.isArray(list) || list.length === 0 || !list.every(posInt)) problems.push(`${name} must be a non-empty list of positive integers, got ${JSON.stringify(list)}`);
  }
  if (problems.length > 0) return problems;
  if (config.encoderNumResBlocks.length !== config.encoderChMult.length) problems.push(`encoderNumResBlocks has ${config.encoderNumResBlocks.length} levels, encoderChMult ${config.encoderChMult.length}`);
  if (config.decoderNumResBlocks.length !== config.decoderChMult.length) problems.push(`decoderNumResBlocks has ${config.decoderNumResBlocks.length} levels, decoderChMult ${config.decoderChMult.length}`);
  if (config.decoderChMult.length !== config.encoderChMult.length) {
    problems.push(`the decoder has ${config.decoderChMult.length} levels and the encoder ${config.encoderChMult.length}; they must match so that decoding undoes the downsampling`);
  }
  const channels = new Set([...config.encoderChMult, ...config.decoderChMult].map((m) => m * config.ch));
  for (const c of channels) if (c % config.normGroups !== 0) problems.push(`normGroups ${config.normGroups} does not divide the ${c} channels of a level`);
  return problems;
}

/** Throws a TensorError listing what is wrong with a config (a programmer error: configs from files are parsed first). */
export function checkVqConfig(config: VqConfig): VqConfig {
  const problems = vqConfigProblems(config);
  if (problems.length > 0) throw new TensorError('vq', `invalid tokenizer config: ${problems.join('; ')}`);
  return config;
}

/** A config with some fields changed from the released one, checked. */
export function vqConfig(overrides: Partial<VqConfig> = {}): VqConfig {
  return checkVqConfig({ ...MAGVITV2_CONFIG, ...overrides });
}
