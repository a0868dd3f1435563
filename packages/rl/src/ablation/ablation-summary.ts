/**
 * The ablation's results: per variant, the final reward over seeds (mean ± Student-t 95 % interval), its
 * variance, compute per step, and test accuracy of the best and last checkpoint at each generation length;
 * the curves behind the charts; summary.md; and the three charts (reward vs optimizer step, vs forward passes,
 * vs wall time).
 */
import type { RlStepMetrics } from '../trainer/rl-metrics.js';
import { lineChartSvg, type LineSeries } from '@mmada/charts';
import { mean, meanInterval95, sampleStd, sampleVariance, trailingMean, type MeanInterval } from './stats.js';

/** One test-split evaluation of a run's weights. */
export interface EvalPoint {
  readonly step: number;
  /** Accuracy by generation length (key: the length as a string). */
  readonly accuracy: Readonly<Record<string, number>>;
}

/** One variant × seed run as the summary sees it. */
export interface AblationRun {
  readonly variant: string;
  readonly seed: number;
  readonly metrics: readonly RlStepMetrics[];
  readonly evals: readonly EvalPoint[];
  /** The devices the run trained on, when recorded. */
  readonly devices?: readonly string[];
}

export interface CheckpointAccuracy {
  /** Per seed, the step of the checkpoint used. */
  readonly steps: readonly number[];
  /** By generation length: mean ± 95 % interval over seeds. */
  readonly accuracy: Readonly<Record<string, MeanInterval>>;
}

export interface VariantSummary {
  readonly variant: string;
  readonly seeds: readonly number[];
  readonly steps: number;
  /** Per seed: the mean reward of the last `window` steps; over seeds: mean ± 95 % interval. */
  readonly finalReward: MeanInterval & { readonly perSeed: readonly number[] };
  /** Variance over seeds of the final reward. */
  readonly finalRewardVariance: number;
  /** Mean over steps and seeds of the within-batch reward std (spread among completions). */
  readonly withinBatchRewardStd: number;
  /** Sequences through the model per step (rollout + estimator), mean over seeds. */
  readonly forwardPassesPerStep: number;
  readonly estimatorPassesPerStep: number;
  readonly secondsPerStep: number;
  /**
   * The devices its runs trained on (distinct, in order; 'unrecorded' for a run without a record), so that
   * seconds per step from different machines are read as such.
   */
  readonly devices: readonly string[];
  /** Means over steps and seeds. */
  readonly meanKl: number | null;
  readonly meanClipRatio: number;
  readonly meanZeroStdFraction: number;
  /** Best checkpoint: per seed the evaluation with the highest accuracy at the first generation length (earliest on ties). */
  readonly best?: CheckpointAccuracy;
  readonly last?: CheckpointAccuracy;
}

export interface CurvePoint {
  readonly step: number;
  /** Means over seeds of the smoothed reward, and its spread (± one std over seeds). */
  readonly reward: number;
  readonly lo: number;
  readonly hi: number;
  /** Means over seeds of the cumulative forward passes and wall time at this step. */
  readonly forwardPasses: number;
  readonly seconds: number;
}

export interface AblationSummary {
  readonly variants: readonly VariantSummary[];
  readonly curves: Readonly<Record<string, readonly CurvePoint[]>>;
  readonly smoothing: { readonly window: number; readonly description: string };
  readonly band: string;
  readonly genLengths: readonly number[];
  readonly settings: Readonly<Record<string, unknown>>;
}

const finiteOr = (x: number, d: number | null = null) => (Number.isFinite(x) ? x : d);

function checkpointAccuracy(runs: readonly AblationRun[], genLengths: readonly number[], pick: 'best' | 'last'): CheckpointAccuracy | undefined {
  if (genLengths.length === 0 || runs.some((r) => r.evals.length === 0)) return undefined;
  const key0 = String(genLengths[0]);
  const chosen = runs.map((r) => {
    if (pick === 'last') return r.evals[r.evals.length - 1]!;
    return r.evals.reduce((b, e) => ((e.accuracy[key0] ?? -1) > (b.accuracy[key0] ?? -1) ? e : b));
  });
  return {
    steps: chosen.map((e) => e.step),
    accuracy: Object.fromEntries(genLengths.map((g) => [String(g), meanInterval95(chosen.map((e) => e.accuracy[String(g)] ?? Number.NaN))])),
  };
}

/** Summarises the runs of every variant (runs grouped by `variant`, in the order variants first appear). */
export function summarizeAblation(
  runs: readonly AblationRun[],
  options: { readonly window: number; readonly genLengths: readonly number[]; readonly settings?: Record<string, unknown> },
): AblationSummary {
  const names = [...new Set(runs.map((r) => r.variant))];
  const variants: VariantSummary[] = [];
  const curves: Record<string, CurvePoint[]> = {};
  for (const name of names) {
    const rs = runs.filter((r) => r.variant === name);
    const steps = Math.min(...rs.map((r) => r.metrics.length));
    const perSeed = rs.map((r) => mean(r.metrics.slice(Math.max(0, steps - options.window), steps).map((m) => m.reward.mean)));
    const all = rs.flatMap((r) => r.metrics.slice(0, steps));
    const kls = all.map((m) => m.kl).filter((k): k is number => k !== null);
    const best = checkpointAccuracy(rs, options.genLengths, 'best');
    const last = checkpointAccuracy(rs, options.genLengths, 'last');
    variants.push({
      variant: name,
      seeds: rs.map((r) => r.seed),
      steps,
      finalReward: { ...meanInterval95(perSeed), perSeed },
      finalRewardVariance: sampleVariance(perSeed),
      withinBatchRewardStd: mean(all.map((m) => m.reward.std).filter(Number.isFinite)),
      forwardPassesPerStep: mean(all.map((m) => m.forwardPasses.total)),
      estimatorPassesPerStep: mean(all.map((m) => m.forwardPasses.estimator)),
      secondsPerStep: mean(all.map((m) => m.time.stepSeconds)),
      devices: [...new Set(rs.flatMap((r) => (r.devices?.length ? r.devices : ['unrecorded'])))],
      meanKl: kls.length ? mean(kls) : null,
      meanClipRatio: mean(all.map((m) => m.clipRatioRegion)),
      meanZeroStdFraction: mean(all.map((m) => m.zeroStdFraction)),
      ...(best ? { best } : {}),
      ...(last ? { last } : {}),
    });
    const smoothed = rs.map((r) => trailingMean(r.metrics.slice(0, steps).map((m) => m.reward.mean), options.window));
    curves[name] = Array.from({ length: steps }, (_, i) => {
      const ys = smoothed.map((s) => s[i]!);
      const m = mean(ys);
      const sd = sampleStd(ys);
      return {
        step: i + 1,
        reward: m,
        lo: m - sd,
        hi: m + sd,
        forwardPasses: mean(rs.map((r) => r.metrics[i]!.forwardPasses.cumulative)),
        seconds: mean(rs.map((r) => r.metrics[i]!.time.cumulativeSeconds)),
      };
    });
  }
  const w = options.window;
  return {
    variants,
    curves,
    smoothing: { window: w, description: w === 1 ? 'none (raw per-step means)' : `trailing mean over ${w} steps, per seed, before averaging over seeds` },
    band: 'mean ± one standard deviation over seeds',
    genLengths: options.genLengths,
    settings: options.settings ?? {},
  };
}

/** The three charts as SVG documents, by file stem: reward per variant, mean line and a band over seeds. */
export function ablationCharts(summary: AblationSummary): Record<string, string> {
  const frame = { smoothing: summary.smoothing.description, note: `line: mean over seeds; band: ${summary.band.replace('mean ± ', '± ')}` };
  const y = { label: 'reward', unit: 'mean of the generation batch' };
  const series = (x: (p: CurvePoint) => number): LineSeries[] =>
    Object.entries(summary.curves).map(([name, pts]) => ({ name, points: pts.map((p) => ({ x: x(p), y: p.reward, lo: p.lo, hi: p.hi })) }));
  return {
    'reward-vs-step': lineChartSvg({ ...frame, title: 'Reward vs optimizer step', x: { label: 'optimizer step', unit: 'generation batches' }, y, series: series((p) => p.step) }),
    'reward-vs-forward-passes': lineChartSvg({
      ...frame, title: 'Reward vs forward passes', x: { label: 'forward passes', unit: 'sequences through the model, cumulative, rollouts included' }, y, series: series((p) => p.forwardPasses),
    }),
    'reward-vs-wall-time': lineChartSvg({ ...frame, title: 'Reward vs wall time', x: { label: 'training time', unit: 's, cumulative' }, y, series: series((p) => p.seconds) }),
  };
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const ci = (m: MeanInterval) => (Number.isFinite(m.halfWidth) ? `${f3(m.mean)} ± ${f3(m.halfWidth)}` : f3(m.mean));

/** summary.md: the settings, the main table, the accuracy table and the chart links. */
export function ablationMarkdown(summary: AblationSummary, chartFiles: readonly string[] = []): string {
  const lines = ['# RL ablation', ''];
  const s = summary.settings;
  if (Object.keys(s).length) {
    lines.push('| setting | value |', '|---|---|');
    for (const [k, v] of Object.entries(s)) lines.push(`| ${k} | ${typeof v === 'string' ? v : JSON.stringify(v)} |`);
    lines.push('');
  }
  if (new Set(summary.variants.flatMap((v) => v.devices)).size > 1) {
    lines.push('Variants ran on different devices (column "device"): seconds per step and the wall-time chart compare machines as well as estimators.', '');
  }
  lines.push(
    `Final reward: mean of the last ${summary.smoothing.window} step(s) of each seed, then mean ± 95 % Student-t interval over seeds. ` +
      'Forward passes count sequences through the model (rollouts and estimator passes; backward passes not counted).',
    '',
    '| variant | seeds | steps | final reward | var over seeds | within-batch std | fwd passes / step | estimator passes / step | s / step | device | KL | clip | zero-std |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const v of summary.variants) {
    lines.push(
      `| ${v.variant} | ${v.seeds.length} | ${v.steps} | ${ci(v.finalReward)} | ${f3(v.finalRewardVariance)} | ${f3(v.withinBatchRewardStd)} | ${v.forwardPassesPerStep.toFixed(0)} | ` +
        `${v.estimatorPassesPerStep.toFixed(0)} | ${f3(v.secondsPerStep)} | ${v.devices.join('; ')} | ${v.meanKl === null ? '–' : v.meanKl.toExponential(2)} | ${f3(v.meanClipRatio)} | ${f3(v.meanZeroStdFraction)} |`,
    );
  }
  if (summary.genLengths.length && summary.variants.some((v) => v.best)) {
    const g = summary.genLengths;
    lines.push(
      '',
      `Test-split accuracy (mean ± 95 % interval over seeds). Best: per seed the evaluated checkpoint with the highest accuracy at gen length ${g[0]}; last: the final weights.`,
      '',
      `| variant | ${g.map((x) => `best @${x}`).join(' | ')} | ${g.map((x) => `last @${x}`).join(' | ')} | best steps |`,
      `|---|${g.map(() => '---|').join('')}${g.map(() => '---|').join('')}---|`,
    );
    for (const v of summary.variants) {
      if (!v.best || !v.last) continue;
      lines.push(`| ${v.variant} | ${g.map((x) => ci(v.best!.accuracy[String(x)]!)).join(' | ')} | ${g.map((x) => ci(v.last!.accuracy[String(x)]!)).join(' | ')} | ${v.best.steps.join(', ')} |`);
    }
  }
  if (chartFiles.length) {
    lines.push('', `Curves: line = mean over seeds, band = ${summary.band.replace('mean ± ', '± ')}; smoothing: ${summary.smoothing.description}.`, '');
    for (const f of chartFiles) lines.push(`![${f}](${f})`);
  }
  return `${lines.join('\n')}\n`;
}

/** For JSON: NaN → null. */
export function jsonSafe(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? finiteOr(v) : v)));
}
