/**
 * The special tokens of the LLaDA tokenizer as MMaDA uses them (spec/model.md §4, MMaDA
 * `training/prompting_utils.py` with `use_reserved_token=True`), by role.
 */
export interface SpecialTokens {
  /** `<|startoftext|>` (BOS, `<|sot|>`). */
  readonly bos: number;
  /** `<|endoftext|>` (EOS = PAD, `<|eot|>`). */
  readonly eos: number;
  /** Padding of lm rows and of batched prompts; LLaDA uses EOS. */
  readonly pad: number;
  /** `<|mdm_mask|>`: the MASK the model denoises. */
  readonly mask: number;
  readonly soi: number;
  readonly eoi: number;
  readonly sov: number;
  readonly eov: number;
  readonly t2i: number;
  readonly mmu: number;
  readonly t2v: number;
  readonly v2v: number;
  readonly lvg: number;
  /** `[iPAD]`: the left padding of t2i prompts. */
  readonly ipad: number;
  readonly r2i: number;
  readonly startHeader: number;
  readonly endHeader: number;
  /** `<|eot_id|>`: end of a chat turn. */
  readonly eotId: number;
  /** First image-token id: `token = vq_code + imageTokenOffset` (126349 = len(tokenizer) upstream, not llm_vocab_size). */
  readonly imageTokenOffset: number;
}

/** The token strings of each role (as they appear in tokenizer.json's added tokens). */
export const SPECIAL_TOKEN_STRINGS: Readonly<Record<Exclude<keyof SpecialTokens, 'pad' | 'imageTokenOffset'>, string>> = Object.freeze({
  bos: '<|startoftext|>',
  eos: '<|endoftext|>',
  mask: '<|mdm_mask|>',
  soi: '<|soi|>',
  eoi: '<|eoi|>',
  sov: '<|sov|>',
  eov: '<|eov|>',
  t2i: '<|t2i|>',
  mmu: '<|mmu|>',
  t2v: '<|t2v|>',
  v2v: '<|v2v|>',
  lvg: '<|lvg|>',
  ipad: '[iPAD]',
  r2i: '<|r2i|>',
  startHeader: '<|start_header_id|>',
  endHeader: '<|end_header_id|>',
  eotId: '<|eot_id|>',
});

/** The ids of LLaDA-8B / MMaDA-8B. */
export const MMADA_SPECIAL_TOKENS: SpecialTokens = Object.freeze({
  bos: 126080,
  eos: 126081,
  pad: 126081,
  soi: 126084,
  eoi: 126085,
  sov: 126086,
  eov: 126087,
  t2i: 126088,
  mmu: 126089,
  t2v: 126090,
  v2v: 126091,
  lvg: 126092,
  ipad: 126093,
  r2i: 126094,
  mask: 126336,
  startHeader: 126346,
  endHeader: 126347,
  eotId: 126348,
  imageTokenOffset: 126349,
});

/** Image codes in MMaDA-8B's codebook (MAGVIT-v2): ids imageTokenOffset .. imageTokenOffset + 8191. */
export const MMADA_CODEBOOK_SIZE = 8192;

/**
 * The ids of the small tokenizer the project builds for tests and small models (`mmada-tiny`, `mmada-small`):
 * 256 byte tokens, 24 merges, then these 17 special tokens in the order of the upstream table; its length,
 * 297, is the image-token offset, followed by a 16-code codebook.
 */
export const TINY_SPECIAL_TOKENS: SpecialTokens = Object.freeze({
  bos: 280,
  eos: 281,
  pad: 281,
  soi: 282,
  eoi: 283,
  sov: 284,
  eov: 285,
  t2i: 286,
  mmu: 287,
  t2v: 288,
  v2v: 289,
  lvg: 290,
  ipad: 291,
  r2i: 292,
  mask: 293,
  startHeader: 294,
  endHeader: 295,
  eotId: 296,
  imageTokenOffset: 297,
});

/** Codebook of the tiny models: ids 297 .. 312. */
export const TINY_CODEBOOK_SIZE = 16;
