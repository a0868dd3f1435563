/**
 * Presets that reproduce each method's shipped settings (spec rl.md §2–§4, §9). A preset is a full RlConfig
 * plus, for every field it sets, where the value comes from; `describePreset` prints those lines. Values the
 * sources do not publish are marked as this library's choice (or TRL's default) so no one mistakes them for
 * upstream's.
 */
import { DEFAULT_RL_CONFIG, rlConfig, type RlConfig } from '../trainer/rl-config.js';

export const PRESET_NAMES = ['unigrpo', 'd1', 'dllm-rl-mmada', 'coupled-grpo'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface PresetSetting {
  /** RlConfig field (dotted for estimator options, e.g. estimator.pMaskPrompt). */
  readonly field: string;
  readonly value: unknown;
  /** Where the value comes from. */
  readonly source: string;
}

export interface Preset {
  readonly name: PresetName;
  readonly summary: string;
  readonly config: RlConfig;
  /** What the preset sets, in order, with sources. */
  readonly settings: readonly PresetSetting[];
  /** Upstream behaviour the trainer does not reproduce exactly, one line each. */
  readonly notes: readonly string[];
}

type Entry = readonly [field: string, value: unknown, source: string];

/** Builds the config from the entries (top-level fields and estimator.* options). */
function build(name: PresetName, summary: string, entries: readonly Entry[], notes: readonly string[]): Preset {
  const top: Record<string, unknown> = {};
  const estimator: Record<string, unknown> = {};
  for (const [field, value] of entries) {
    if (field.startsWith('estimator.')) estimator[field.slice('estimator.'.length)] = value;
    else top[field] = value;
  }
  const config = rlConfig(top as Partial<RlConfig>, { ...DEFAULT_RL_CONFIG, estimator: estimator as unknown as RlConfig['estimator'] });
  return { name, summary, config, settings: entries.map(([field, value, source]) => ({ field, value, source })), notes };
}

const D1 = 'd1 diffu-grpo (train.yaml / code)';
const SPEC = 'MMaDA paper';
const CHOICE = 'choice: not published';
const TRL = 'TRL GRPOConfig default';
const DLLM = 'dLLM-RL rl_mmada_v.yaml';
const DIFFUCODER = 'DiffuCoder coupled_grpo.py';

const PRESETS: Record<PresetName, Preset> = {
  unigrpo: build(
    'unigrpo',
    'UniGRPO (MMaDA Alg. 1): answer masked at stratified timesteps, per-sequence mean loss, std-normalised advantages, k3 KL to π_ref',
    [
      ['estimator.name', 'unigrpo', `${SPEC} §2.3 (Eq. 3–4)`],
      ['estimator.timestepRule', 'stratified', `${SPEC} prose example (100, 300, …, 900; spec Quirk 9)`],
      ['estimator.T', 1000, `${SPEC} (T = 1000)`],
      ['numIterations', 5, `${SPEC} example μ = 5`],
      ['lossType', 'grpo', `${SPEC} Eq. 5 (per-sequence mean, then batch mean)`],
      ['scaleRewards', 'group', `${SPEC} Eq. 15 (std-normalised)`],
      ['klAgainst', 'ref', `${SPEC} Eq. 5 (KL to π_ref)`],
      ['numGenerations', 8, `${CHOICE} (TRL default G)`],
      ['beta', 0.04, `${CHOICE} (d1's β, the baseline UniGRPO is compared with)`],
      ['epsilon', 0.2, `${CHOICE} (TRL default ε)`],
      ['rewardWeights', {}, `${SPEC} §2.3.2: correctness 2.0 + format 0.5 are the rewards' own values; weights 1`],
      ['learningRate', 1e-6, CHOICE],
      ['lrSchedulerType', 'constant', CHOICE],
      ['maxCompletionLength', 256, `${CHOICE} (d1's rollout length)`],
      ['steps', 128, `${CHOICE} (2 tokens per step, as d1)`],
      ['blockLength', 32, `${CHOICE} (as d1)`],
      ['remasking', 'low_confidence', `${CHOICE} (MMaDA's sampler default)`],
      ['temperature', 0.9, `${CHOICE} (as d1)`],
    ],
    [
      'G, β, ε, μ, the KL estimator and the masking rule are not published; the masking is exact-count by permutation, one t₁ per prompt.',
    ],
  ),
  d1: build(
    'd1',
    'd1 / diffu-GRPO: prompt masked iid (p 0.15) and completion fully masked, token-mean loss, A = r − group mean',
    [
      ['estimator.name', 'd1', D1],
      ['estimator.pMaskPrompt', 0.15, `${D1}: p_mask_prompt (code default 0.3)`],
      ['numGenerations', 6, `${D1}: num_generations`],
      ['numIterations', 12, `${D1}: num_iterations for GSM8K and MATH (8 for Countdown and Sudoku)`],
      ['beta', 0.04, `${D1}: beta`],
      ['epsilon', 0.5, `${D1}: epsilon (train.yaml; code default 0.2)`],
      ['lossType', 'bnpo', `${D1}: token mean over the local batch`],
      ['scaleRewards', 'none', `${D1}: A = r − group mean (std only logged)`],
      ['klAgainst', 'ref', `${D1}: π_ref = the model with its LoRA adapter off`],
      ['promptsPerStep', 16, `${D1}: per-device batch 6 × grad-accum 2 × 8 GPUs / G 6`],
      ['learningRate', 3e-6, `${D1}: learning_rate`],
      ['lrSchedulerType', 'constant_with_warmup', `${D1}: lr_scheduler_type`],
      ['warmupRatio', 0.0001, `${D1}: warmup_ratio`],
      ['adamBeta1', 0.9, `${D1}: adam_beta1`],
      ['adamBeta2', 0.99, `${D1}: adam_beta2`],
      ['weightDecay', 0.1, `${D1}: weight_decay`],
      ['maxGradNorm', 0.2, `${D1}: max_grad_norm`],
      ['maxCompletionLength', 256, `${D1}: rollout gen length`],
      ['steps', 128, `${D1}: diffusion_steps`],
      ['blockLength', 32, `${D1}: block_length`],
      ['remasking', 'low_confidence', `${D1}: remasking`],
      ['temperature', 0.9, `${D1}: temperature (spec Quirk 7: also for Sudoku, as actually run)`],
      ['rewardWeights', {}, `${D1}: every reward function weighs 1.0`],
    ],
    [
      'd1 trains a 4-bit LoRA (r 128, α 64) of LLaDA-8B; here every parameter is trained.',
      'max_prompt_length 200 (left-truncated) is the prompt builder\'s job, not the trainer\'s.',
    ],
  ),
  'dllm-rl-mmada': build(
    'dllm-rl-mmada',
    'dLLM-RL on MMaDA: random masking (t ~ U(0.1, 0.9), 2 copies), masked mean per sequence, z-scored rewards with the group filter, KL to π_old',
    [
      ['estimator.name', 'random-masking', DLLM],
      ['estimator.tMin', 0.1, `${DLLM}: t ~ U(0.1, 0.9)`],
      ['estimator.tMax', 0.9, `${DLLM}: t ~ U(0.1, 0.9)`],
      ['estimator.copies', 2, `${DLLM}: masked copies per sample`],
      ['numGenerations', 16, `${DLLM}: rollouts per task`],
      ['numIterations', 1, `${CHOICE} (one update per rollout batch)`],
      ['lossType', 'grpo', `${DLLM}: (1/B)·Σ_b masked mean`],
      ['epsilon', 0.2, `${DLLM}: clip (0.8, 1.2)`],
      ['beta', 0.01, `${DLLM}: KL coefficient`],
      ['klAgainst', 'old', `${DLLM}: KL against π_old (spec Quirk 10)`],
      ['scaleRewards', 'group', `${DLLM}: z-scored binary correctness`],
      ['groupFilter', { minAccuracy: 0.05, maxAccuracy: 0.95 }, `${DLLM}: drop groups with accuracy > 0.95 or < 0.05`],
      ['learningRate', 1e-6, `${DLLM}: lr`],
      ['weightDecay', 0, `${DLLM}: weight decay`],
      ['temperature', 0.8, `${DLLM}: rollout temperature`],
      ['threshold', 0.95, `${DLLM}: low_confidence_dynamic threshold`],
      ['blockLength', 64, `${DLLM}: block size`],
      ['steps', 128, `${DLLM}: denoising steps`],
      ['maxCompletionLength', 128, `${DLLM}: generated tokens`],
    ],
    [
      'upstream sums the KL over masked tokens and divides by B; here it is averaged with the policy term inside the per-sequence mean.',
      'upstream keeps trailing pads beyond post_num masked; here the answer span ends at the first stop token.',
    ],
  ),
  'coupled-grpo': build(
    'coupled-grpo',
    'coupled-GRPO (DiffuCoder): complementary mask pair at t ~ U(0.2, 0.8) plus a fully masked copy, RLOO baseline',
    [
      ['estimator.name', 'coupled', `${DIFFUCODER}: forward_process`],
      ['estimator.tMin', 0.2, `${DIFFUCODER}: t ~ U(0.2, 0.8)`],
      ['estimator.tMax', 0.8, `${DIFFUCODER}: t ~ U(0.2, 0.8)`],
      ['leaveOneOut', true, `${DIFFUCODER}: leave-one-out (RLOO) baseline`],
      ['numGenerations', 8, TRL],
      ['numIterations', 1, TRL],
      ['beta', 0, TRL],
      ['epsilon', 0.2, TRL],
      ['lossType', 'dapo', TRL],
      ['scaleRewards', 'group', TRL],
    ],
    ['DiffuCoder\'s other training settings are not in spec/rl.md; TRL\'s defaults stand in for them.'],
  ),
};

/** The preset of that name (a Left-free lookup: an unknown name throws a RangeError listing the names). */
export function getPreset(name: string): Preset {
  const p = (PRESETS as Record<string, Preset | undefined>)[name];
  if (!p) throw new RangeError(`unknown RL preset ${JSON.stringify(name)}: one of ${PRESET_NAMES.join(', ')}`);
  return p;
}

/** The preset's config, with `overrides` applied on top (estimator options merge when the estimator is the same). */
export function presetConfig(name: string, overrides: Partial<RlConfig> = {}): RlConfig {
  return rlConfig(overrides, getPreset(name).config);
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The lines a preset sets (`field = value   (source)`), then its notes; what `mmada rl --preset` prints. */
export function describePreset(name: string): string[] {
  const p = getPreset(name);
  const width = Math.max(...p.settings.map((s) => `${s.field} = ${show(s.value)}`.length));
  return [
    `preset ${p.name}: ${p.summary}`,
    ...p.settings.map((s) => `  ${`${s.field} = ${show(s.value)}`.padEnd(width)}   (${s.source})`),
    ...p.notes.map((n) => `  note: ${n}`),
  ];
}
