/**
 * Batching prompts of different lengths for generation: each row is left-padded with `pad` (EOS for
 * LLaDA/MMaDA; never MASK) and gets a pad mask of 0 there. Positions stay absolute, pads included, as upstream.
 */
import type { PromptSequence } from './prompt-sequence.js';

export interface PaddedBatch {
  /** [B][L] ids, L = the longest row. */
  readonly ids: readonly (readonly number[])[];
  readonly padMask: readonly (readonly number[])[];
  /** Whether any row is padded (when none is, the pad mask can be left out of the forward). */
  readonly padded: boolean;
}

export function leftPadBatch(rows: readonly (readonly number[] | PromptSequence)[], pad: number): PaddedBatch {
  const seqs = rows.map((r) => ('ids' in r ? r : { ids: r as readonly number[], padMask: new Array<number>((r as readonly number[]).length).fill(1) }));
  const L = Math.max(0, ...seqs.map((s) => s.ids.length));
  const ids = seqs.map((s) => [...new Array<number>(L - s.ids.length).fill(pad), ...s.ids]);
  const padMask = seqs.map((s) => [...new Array<number>(L - s.ids.length).fill(0), ...s.padMask]);
  return { ids, padMask, padded: padMask.some((m) => m.includes(0)) };
}
