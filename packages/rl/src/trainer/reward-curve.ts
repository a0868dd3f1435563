/**
 * The reward curve of one RL run from its metrics.jsonl: the mean reward of each generation batch as a line,
 * ± one standard deviation of the rewards within the batch as a band. (Curves over several seeds, with the
 * band over seeds, are the ablation's charts.)
 */
import { lineChartSvg } from '@mmada/charts';

export interface RewardCurvePoint {
  readonly step: number;
  readonly reward: { readonly mean: number; readonly std: number };
}

export function rewardCurveSvg(metrics: readonly RewardCurvePoint[], options: { readonly title?: string } = {}): string {
  return lineChartSvg({
    title: options.title ?? 'RL reward',
    x: { label: 'optimizer step', unit: 'generation batches' },
    y: { label: 'reward', unit: 'mean of the generation batch' },
    smoothing: 'none (one value per step)',
    note: 'band: ± one standard deviation of the rewards within the batch',
    series: [{ name: 'reward', points: metrics.map((m) => ({ x: m.step, y: m.reward.mean, lo: m.reward.mean - m.reward.std, hi: m.reward.mean + m.reward.std })) }],
  });
}
