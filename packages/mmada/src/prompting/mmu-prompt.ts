/**
 * The multimodal-understanding layout of MMaDA (spec/model.md §6, `inference_mmu.py`):
 *
 *   <|mmu|>, <|soi|>, image × N, <|eoi|>, BOS, chat-formatted text…
 *
 * The prompt ends with the last `<|end_header_id|>`; training rows pad the text with EOS.
 */
import type { SpecialTokens } from '../tokenizer/special-tokens.js';
import { endAfterLast, type PromptedSequence } from './prompt-sequence.js';

export interface MmuOptions {
  readonly specialTokens: SpecialTokens;
  /** Pad with EOS to this total length (training rows); default no padding. Longer rows are truncated. */
  readonly length?: number;
}

/**
 * `imageTokenIds`: image tokens already offset into the vocabulary. `chatTextIds`: the chat-formatted text
 * tokenized without BOS (formatChat with `bos: false`). The EOS padding counts as real tokens (pad mask 1),
 * as in upstream's lm rows: every position is a target.
 */
export function mmuSequence(imageTokenIds: readonly number[], chatTextIds: readonly number[], options: MmuOptions): PromptedSequence {
  const s = options.specialTokens;
  let ids = [s.mmu, s.soi, ...imageTokenIds, s.eoi, s.bos, ...chatTextIds];
  if (options.length !== undefined) ids = ids.length >= options.length ? ids.slice(0, options.length) : [...ids, ...new Array<number>(options.length - ids.length).fill(s.eos)];
  const promptLength = Math.max(endAfterLast(ids, s.endHeader), imageTokenIds.length + 4);
  return { ids, padMask: new Array<number>(ids.length).fill(1), promptLength };
}
