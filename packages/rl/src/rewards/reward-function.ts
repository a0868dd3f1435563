/**
 * A verifiable reward: a completion (text, or an image for text-to-image) and the item it answers to a
 * number, or null when the function does not apply (TRL's None: skipped, not counted as 0).
 */
export type RewardFunction<C = string, I = unknown> = (completion: C, item: I) => number | null;

/** A named set of reward functions; each name becomes a logged component. */
export type RewardFunctions<C = string, I = unknown> = Readonly<Record<string, RewardFunction<C, I>>>;

/**
 * A model-based reward (CLIP score, ImageReward, a learned verifier): scored a batch at a time, asynchronously,
 * because it runs a network. `dispose` frees what it holds.
 */
export interface ModelReward<C = string, I = unknown> {
  readonly name: string;
  score(completions: readonly C[], items: readonly I[]): Promise<readonly (number | null)[]>;
  dispose?(): void;
}
