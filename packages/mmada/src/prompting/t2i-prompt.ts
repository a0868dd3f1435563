/**
 * The text-to-image layout of MMaDA's UniversalPrompting (spec/model.md §6):
 *
 *   [iPAD]×k, <|t2i|>, BOS, text…, EOS, <|soi|>, image × N, <|eoi|>
 *
 * The text part is left-padded with [iPAD] to `maxSeqLength + 1` tokens (pad mask 0 there, 1 elsewhere).
 * Too long a text keeps the first `maxSeqLength` tokens of `<|t2i|>, BOS, text…` and appends EOS.
 */
import type { SpecialTokens } from '../tokenizer/special-tokens.js';
import { withBos, type PromptSequence } from './prompt-sequence.js';

export interface T2iOptions {
  readonly specialTokens: SpecialTokens;
  /** `max_seq_length` of the config (512 in the 512-px configs); the text part is maxSeqLength + 1 long. */
  readonly maxSeqLength: number;
}

/** The text part alone: exactly maxSeqLength + 1 tokens. */
export function t2iTextPart(textIds: readonly number[], options: T2iOptions): PromptSequence {
  const s = options.specialTokens;
  const maxTextLen = options.maxSeqLength + 1;
  let ids = [s.t2i, ...withBos(textIds, s.bos), s.eos];
  if (ids.length > maxTextLen) ids = [...ids.slice(0, maxTextLen - 1), s.eos];
  const pads = maxTextLen - ids.length;
  return { ids: [...new Array<number>(pads).fill(s.ipad), ...ids], padMask: [...new Array<number>(pads).fill(0), ...new Array<number>(ids.length).fill(1)] };
}

/**
 * A full t2i row for image token ids (already offset into the vocabulary, or MASK). Length
 * maxSeqLength + 1 + N + 2.
 */
export function t2iSequence(textIds: readonly number[], imageTokenIds: readonly number[], options: T2iOptions): PromptSequence {
  const s = options.specialTokens;
  const text = t2iTextPart(textIds, options);
  return {
    ids: [...text.ids, s.soi, ...imageTokenIds, s.eoi],
    padMask: [...text.padMask, ...new Array<number>(imageTokenIds.length + 2).fill(1)],
  };
}

/** The t2i row at the start of generation: every image slot holds MASK. */
export function t2iPrompt(textIds: readonly number[], numImageTokens: number, options: T2iOptions): PromptSequence {
  return t2iSequence(textIds, new Array<number>(numImageTokens).fill(options.specialTokens.mask), options);
}

/** The unconditional row for classifier-free guidance: the same layout with empty text. */
export function t2iUnconditionalPrompt(numImageTokens: number, options: T2iOptions): PromptSequence {
  return t2iPrompt([], numImageTokens, options);
}
