import { verifyT2I, type RgbImage, type SegmentationOptions, type T2IPrompt, type T2IVerdict } from '@mmada/eval';
import type { RewardFunctions } from './reward-function.js';

export interface ShapesWorldT2IItem {
  readonly prompt: T2IPrompt;
}

/** The number of requirements a prompt makes: each include group and each exclude group is one. */
export const t2iRequirementCount = (prompt: T2IPrompt): number => prompt.include.length + prompt.exclude.length;

/**
 * The fraction of a prompt's requirements an image meets: the pixel verifier reports one reason per unmet
 * include or exclude group, so this is 1 − reasons / requirements (1 for a prompt with no requirements).
 */
export function t2iPartialCredit(verdict: T2IVerdict, prompt: T2IPrompt): number {
  const n = t2iRequirementCount(prompt);
  return n === 0 ? 1 : Math.max(0, n - verdict.reasons.length) / n;
}

/**
 * ShapesWorld text-to-image rewards from @mmada/eval's pixel verifier (`verifyT2I`, GenEval's rules) — the
 * verifiable analog of MMaDA's CLIP + ImageReward terms: `strict` is 1 when every requirement holds, else 0;
 * `partial` is the fraction of requirements met. The image is verified once for both components.
 */
export function shapesWorldT2IRewards(segmentation: SegmentationOptions = {}): RewardFunctions<RgbImage, ShapesWorldT2IItem> {
  const cache = new WeakMap<RgbImage, { prompt: T2IPrompt; verdict: T2IVerdict }>();
  const verdictOf = (img: RgbImage, prompt: T2IPrompt) => {
    const hit = cache.get(img);
    if (hit && hit.prompt === prompt) return hit.verdict;
    const verdict = verifyT2I(img, prompt, segmentation);
    cache.set(img, { prompt, verdict });
    return verdict;
  };
  return {
    strict: (img, item) => (verdictOf(img, item.prompt).correct ? 1 : 0),
    partial: (img, item) => t2iPartialCredit(verdictOf(img, item.prompt), item.prompt),
  };
}
