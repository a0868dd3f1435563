/** What the trainer logs after every step: one JSON line in metrics.jsonl. */

export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

export interface ComponentStat extends MeanStd {
  /** Completions the component scored (non-null). */
  readonly count: number;
}

/** What one update reads back; a step logs the means over its updates. */
export interface UpdateMetrics {
  readonly loss: number;
  readonly kl: number | null;
  readonly clipRatioLow: number;
  readonly clipRatioHigh: number;
  readonly clipRatioRegion: number;
  readonly meanRatio: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Mean entropy (nats) of the policy's predictions at the masked inputs of the step's first update; null when not logged. */
  readonly entropy: number | null;
}

/** Means over the step's updates (UpdateMetrics), and the step's rollouts, rewards, counts and times. */
export interface RlStepMetrics extends UpdateMetrics {
  /** Steps completed (1-based): one generation batch and its numIterations updates. */
  readonly step: number;
  /** Learning rate of the step's first update. */
  readonly lr: number;
  readonly prompts: number;
  readonly completions: number;
  /** The weighted total reward over the completions (rows whose every component abstained are skipped). */
  readonly reward: MeanStd;
  /** Each reward component's raw value. */
  readonly rewards: Readonly<Record<string, ComponentStat>>;
  /** Total reward per task family. */
  readonly tasks: Readonly<Record<string, ComponentStat>>;
  readonly advantage: MeanStd & { readonly absMean: number };
  /** Fraction of groups whose rewards all agree (no learning signal; TRL's frac_reward_zero_std). */
  readonly zeroStdFraction: number;
  /** Fraction of completions left in the loss by the group filter. */
  readonly keptFraction: number;
  /** Completion tokens up to and including the stop token (image completions: their image tokens). */
  readonly completionLength: { readonly mean: number; readonly min: number; readonly max: number };
  /** Text completions without a stop token. */
  readonly truncatedFraction: number;
  /** Sequences through the model (one row of one predictor call each); backward passes not counted. */
  readonly forwardPasses: { readonly rollout: number; readonly estimator: number; readonly total: number; readonly cumulative: number };
  readonly tokens: { readonly completion: number; readonly forward: number; readonly cumulativeForward: number };
  /** Wall-clock times: the only fields a resumed run does not reproduce exactly. */
  readonly time: {
    readonly rolloutSeconds: number;
    readonly updateSeconds: number;
    readonly stepSeconds: number;
    /** Summed step times of the run so far (resumes included). */
    readonly cumulativeSeconds: number;
  };
}

/** The metrics without wall-clock times (what an exact resume reproduces). */
export function withoutTimes(m: RlStepMetrics): Omit<RlStepMetrics, 'time'> {
  const { time: _time, ...rest } = m;
  return rest;
}
