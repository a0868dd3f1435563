/**
 * What the trainer samples completions for. A prompt carries its task family, its tokens and its reward, so
 * one generation batch can mix text reasoning, image understanding (text completions of an mmu prompt) and
 * text-to-image (image-token completions), each with its sampler and reward.
 */

/** Reward components of one completion by name (e.g. correctness, format); null = the component does not apply. */
export type RewardComponents = Readonly<Record<string, number | null>>;

export interface TextCompletion {
  /** Generated tokens before the first stop token (all of them when truncated). */
  readonly ids: readonly number[];
  /** No stop token was generated. */
  readonly truncated: boolean;
}

/** A prompt completed by the semi-autoregressive text sampler. */
export interface TextRlPrompt {
  readonly kind: 'text';
  /** Task family (e.g. shapesworld-reasoning); prompts of one family are sampled and scored together. */
  readonly task: string;
  /** The prompt's tokens (chat template, image tokens, … already applied). */
  readonly ids: readonly number[];
  reward(completion: TextCompletion): RewardComponents | Promise<RewardComponents>;
}

/** A prompt completed by MaskGIT: the image tokens of a t2i row. */
export interface ImageRlPrompt {
  readonly kind: 'image';
  readonly task: string;
  /** The whole row: the prompt up to `imageStart`, `numImageTokens` MASK ids, then any suffix (e.g. <|eoi|>). */
  readonly ids: readonly number[];
  /** Pad mask of the row (1 = token; e.g. 0 at the t2i layout's [iPAD]s). */
  readonly padMask?: readonly number[];
  readonly imageStart: number;
  readonly numImageTokens: number;
  /** Vocabulary id of code 0 and the number of codes. */
  readonly codebookOffset: number;
  readonly codebookSize: number;
  /** Classifier-free guidance: the empty-prompt row's first tokens, and its pad mask over the whole row. */
  readonly uncondPrefix?: readonly number[];
  readonly uncondPadMask?: readonly number[];
  /** Reward of the sampled codes (0 … codebookSize − 1, row-major). */
  reward(codes: readonly number[]): RewardComponents | Promise<RewardComponents>;
}

export type RlPrompt = TextRlPrompt | ImageRlPrompt;

/** The prompts of optimizer step `step` (a pure function of step and count, so a resumed run gets the same ones). */
export type PromptSource = (step: number, count: number) => readonly RlPrompt[] | Promise<readonly RlPrompt[]>;
