/**
 * The recipe's predictor-size flags (`--width`, `--depth`, `--heads`, `--mlp`) → a RecipeArchitecture. Flags left
 * out keep mmada-tiny's size; `--mlp` defaults to 3 × the width, the shipped ratio (384 for d 128).
 */
import { integerFlag } from '../flag-values.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { MMADA_TINY_ARCHITECTURE, type RecipeArchitecture } from './recipe-config.js';

export type ArchitectureFlagValues = { readonly [K in 'width' | 'depth' | 'heads' | 'mlp']?: string };

/** Throws a UsageError naming the flag for a value the mask predictor cannot take. */
export function architectureFromFlags(f: ArchitectureFlagValues): RecipeArchitecture {
  const base = MMADA_TINY_ARCHITECTURE;
  const dModel = unwrap(integerFlag('width', f.width, base.dModel, 8, 4096));
  const nLayers = unwrap(integerFlag('depth', f.depth, base.nLayers, 1, 64));
  const nHeads = unwrap(integerFlag('heads', f.heads, base.nHeads, 1, 64));
  const mlpHiddenSize = unwrap(integerFlag('mlp', f.mlp, f.width === undefined ? base.mlpHiddenSize : 3 * dModel, 1, 16384));
  if (dModel % nHeads !== 0) throw new UsageError(`--heads ${nHeads} does not divide --width ${dModel}`);
  // RoPE rotates pairs of a head's dimensions
  if ((dModel / nHeads) % 2 !== 0) throw new UsageError(`--width ${dModel} / --heads ${nHeads} = ${dModel / nHeads} dimensions per head; RoPE needs an even number`);
  return { dModel, nHeads, nLayers, mlpHiddenSize };
}

/** The size fields of two architectures that differ, as "dModel 128 (asked 256)" phrases; empty when they match. */
export function architectureDifferences(have: RecipeArchitecture, want: RecipeArchitecture): string[] {
  return (['dModel', 'nLayers', 'nHeads', 'mlpHiddenSize'] as const).filter((k) => have[k] !== want[k]).map((k) => `${k} ${have[k]} (asked ${want[k]})`);
}
