/**
 * Chooses the classifier-free guidance of a recipe model's images on the validation split (never the test
 * split): every candidate w draws the same validation prompts, the pixel verifier judges them, and the w with
 * the most accepted images wins (the smallest such w on a tie, since guidance doubles the cost of a step).
 */
import { verifyT2I } from '@mmada/eval';
import type { ImageTokenizer, MaskPredictorModel, TextTokenizer } from '@mmada/mmada';
import { drawImages, writePlans, type RecipeSampling } from './recipe-eval.js';
import { recipeValidationItems } from './validation-split.js';

export interface GuidanceTrial {
  readonly guidanceScale: number;
  readonly correct: number;
  readonly n: number;
}

export interface GuidanceChoice {
  readonly chosen: number;
  readonly trials: readonly GuidanceTrial[];
}

/** The winning trial's w: most accepted, then the smallest w. */
export function pickGuidance(trials: readonly GuidanceTrial[]): number {
  if (trials.length === 0) throw new RangeError('pickGuidance: no trials');
  let best = trials[0]!;
  for (const t of trials.slice(1)) if (t.correct > best.correct || (t.correct === best.correct && t.guidanceScale < best.guidanceScale)) best = t;
  return best.guidanceScale;
}

export interface GuidanceChoiceOptions {
  readonly candidates: readonly number[];
  /** Validation prompts per candidate (default 100). */
  readonly count?: number;
  readonly planFirst?: boolean;
  readonly seed?: number;
  readonly sampling: RecipeSampling;
  /** The run's pool sizes, after which the validation split starts. */
  readonly pools?: { reasoning: number; images: number };
  readonly batchSize?: number;
  readonly onTrial?: (trial: GuidanceTrial) => void;
}

export async function chooseGuidance(model: MaskPredictorModel, tok: TextTokenizer, vq: ImageTokenizer, o: GuidanceChoiceOptions): Promise<GuidanceChoice> {
  if (o.candidates.length === 0) throw new RangeError('chooseGuidance: no candidate guidance scales');
  for (const w of o.candidates) if (!(w >= 0 && w <= 100)) throw new RangeError(`chooseGuidance: a guidance scale must be in [0, 100], got ${w}`);
  const items = recipeValidationItems('t2i', o.count ?? 100, o.pools);
  const bs = o.batchSize ?? 50;
  const prompts = items.map((r) => r.prompt.prompt);
  // The plans do not depend on w: written once, drawn from under every candidate.
  const plans: string[] = [];
  if (o.planFirst) for (let i = 0; i < prompts.length; i += bs) plans.push(...(await writePlans(model, tok, prompts.slice(i, i + bs), o.seed ?? 0, o.sampling)));
  const trials: GuidanceTrial[] = [];
  for (const w of o.candidates) {
    let correct = 0;
    for (let i = 0; i < items.length; i += bs) {
      const batch = items.slice(i, i + bs);
      const { images } = await drawImages(model, tok, vq, prompts.slice(i, i + bs), {
        ...(o.planFirst ? { plans: plans.slice(i, i + bs) } : {}), seed: o.seed, sampling: { ...o.sampling, guidanceScale: w },
      });
      correct += images.filter((image, j) => verifyT2I(image, batch[j]!.prompt).correct).length;
    }
    const trial = { guidanceScale: w, correct, n: items.length };
    trials.push(trial);
    o.onTrial?.(trial);
  }
  return { chosen: pickGuidance(trials), trials };
}
