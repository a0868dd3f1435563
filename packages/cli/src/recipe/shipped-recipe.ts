/**
 * How the shipped models/mmada-tiny was made (its MODEL_CARD.md), as one run: `mmada train --recipe mmada-tiny
 * --as-shipped`. The model was first trained leg by leg, each leg continuing the finished run with a larger
 * `--stage2-steps` and new flags; the legs below replay those runs in one command, with the same learning rates,
 * data and masks at every step. Every other setting is the recipe's default.
 */
import type { StageLeg } from './recipe.js';

export const SHIPPED_RECIPE = {
  /** Flag values the shipped run used where they differ from the defaults. */
  flags: { 'vq-steps': '1000', 'vq-batch': '32', 'stage1-steps': '1550', 't2i-guidance': '0,1,2,3' },
  /** Stage 2: 6200 steps, then on to 10600 with caption dropout 0.1 (the empty caption guidance samples against). */
  stage2Legs: [
    { until: 6200 },
    { until: 10600, captionDropout: 0.1 },
  ] as readonly StageLeg[],
};

/** Flags that would change what `--as-shipped` trains: refused next to it. */
export const SHIPPED_FIXED_FLAGS = [
  'stage1-steps', 'stage2-steps', 'batch', 'lr1', 'lr2', 'width', 'depth', 'heads', 'mlp', 'vq', 'vq-steps', 'vq-batch', 'vq-lr', 'vq-ch', 'vq-mult',
  'vq-bits', 'vq-rec', 'vq-beta', 'vq-lam', 'vq-gam', 'caption-dropout', 'reasoning-trace', 'understanding-trace', 't2i-guidance', 'seed',
] as const;
