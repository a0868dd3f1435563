import { CONFIG_BOUNDS } from '@mmada/mmada';
import { choiceFlag, integerFlag, numberFlag } from './flag-values.js';
import type { FlagSpec, ParsedFlags } from './parse-flags.js';
import { unwrap } from './unwrap.js';
import { UsageError } from './usage-error.js';

/** The semi-autoregressive sampler's flags, shared by the commands that generate text. */
export const TEXT_SAMPLING_FLAGS = {
  'gen-length': { type: 'string' },
  steps: { type: 'string' },
  'block-length': { type: 'string' },
  temperature: { type: 'string' },
  threshold: { type: 'string' },
  'kv-cache': { type: 'string' },
} as const satisfies FlagSpec;

/** `--kv-cache` values: exact decoding, or Fast-dLLM's prefix / dual key-value cache. */
export const KV_CACHE_MODES = ['none', 'prefix', 'dual'] as const;
export type KvCacheFlag = (typeof KV_CACHE_MODES)[number];

export interface TextSampling {
  readonly genLength: number;
  readonly steps: number;
  readonly blockLength: number;
  readonly temperature: number;
  /** Confidence-threshold decoding (commit every masked token at least this confident; steps unused), or none. */
  readonly threshold: number | undefined;
  readonly kvCache: KvCacheFlag;
}

/**
 * Reads --gen-length (default 128), --steps (default gen-length), --block-length (default 32 or gen-length if
 * smaller), --temperature (default 0), --threshold (in (0, 1], default none) and --kv-cache (none | prefix | dual,
 * default none), and checks that the blocks and steps divide as the sampler needs.
 */
export function textSamplingFromFlags(f: ParsedFlags<typeof TEXT_SAMPLING_FLAGS>): TextSampling {
  // Hard caps here; the memory a length implies is checked against the model once its config is read.
  const genLength = unwrap(integerFlag('gen-length', f['gen-length'], 128, 1, CONFIG_BOUNDS.max_sequence_length));
  // Each step unmasks at least one token: more steps than tokens would only repeat forwards.
  const steps = unwrap(integerFlag('steps', f.steps, genLength, 1, genLength));
  const blockLength = unwrap(integerFlag('block-length', f['block-length'], Math.min(32, genLength), 1));
  const temperature = unwrap(numberFlag('temperature', f.temperature, 0));
  if (genLength % blockLength !== 0) throw new UsageError(`--gen-length ${genLength} must be a multiple of --block-length ${blockLength}`);
  if (steps % (genLength / blockLength) !== 0) throw new UsageError(`--steps ${steps} must be a multiple of the number of blocks (${genLength / blockLength})`);
  const thresholdText = f.threshold;
  const threshold = thresholdText === undefined ? undefined : unwrap(numberFlag('threshold', thresholdText, 0));
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) throw new UsageError(`--threshold expects a confidence in (0, 1], got ${JSON.stringify(thresholdText)}`);
  const kvCache = unwrap(choiceFlag('kv-cache', f['kv-cache'], KV_CACHE_MODES, 'none'));
  return { genLength, steps, blockLength, temperature, threshold, kvCache };
}
