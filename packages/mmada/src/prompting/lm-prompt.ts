/**
 * The language-modelling layouts of MMaDA (spec/model.md §6): `BOS, text, EOS, EOS…` padded with EOS to the
 * batch's sequence length, every token a target (pad mask all 1, as upstream's lm rows). `lm_chat` is the
 * same on chat-formatted text, with the prompt ending at the last `<|end_header_id|>`.
 */
import type { SpecialTokens } from '../tokenizer/special-tokens.js';
import { endAfterLast, withBos, type PromptSequence, type PromptedSequence } from './prompt-sequence.js';

export interface LmOptions {
  readonly specialTokens: SpecialTokens;
  /** Total row length (the batch's t2i sequence length upstream). Longer text is cut to this length (no EOS appended). */
  readonly length: number;
}

export function lmSequence(textIds: readonly number[], options: LmOptions): PromptSequence {
  const s = options.specialTokens;
  const ids = [...withBos(textIds, s.bos), s.eos];
  const row = ids.length >= options.length ? ids.slice(0, options.length) : [...ids, ...new Array<number>(options.length - ids.length).fill(s.eos)];
  return { ids: row, padMask: new Array<number>(row.length).fill(1) };
}

/** `chatTextIds`: chat-formatted text tokenized (with or without its leading BOS; one is ensured). */
export function lmChatSequence(chatTextIds: readonly number[], options: LmOptions): PromptedSequence {
  const row = lmSequence(chatTextIds, options);
  return { ...row, promptLength: endAfterLast(row.ids, options.specialTokens.endHeader) };
}
