/** What every universal-prompting layout builds: one row of token ids and its pad mask. */
export interface PromptSequence {
  /** Token ids of the row. */
  readonly ids: readonly number[];
  /** Same length as ids: 1 for a real token, 0 for padding (the model's symmetric pad mask). */
  readonly padMask: readonly number[];
}

/** A row whose first `promptLength` tokens are the prompt (never masked in SFT; kept fixed in generation). */
export interface PromptedSequence extends PromptSequence {
  readonly promptLength: number;
}

/** Prepends BOS unless the text already starts with it; empty text becomes [BOS] (upstream's rule). */
export function withBos(textIds: readonly number[], bos: number): number[] {
  return textIds[0] === bos ? [...textIds] : [bos, ...textIds];
}

/** Index after the last occurrence of `token` (the prompt of chat layouts ends with the last `<|end_header_id|>`); 0 if absent. */
export function endAfterLast(ids: readonly number[], token: number): number {
  return ids.lastIndexOf(token) + 1;
}
