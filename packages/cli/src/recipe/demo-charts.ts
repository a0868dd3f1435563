/**
 * The charts of the demonstration report, each written as SVG and PNG under `out/charts/`: the held-out
 * accuracy of every task family, and, when the model directory holds its training logs, the loss curves of
 * both SFT stages and of the image tokenizer and the reward curve of the RL stage.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { barChartSvg, lossCurveSvg } from '@mmada/charts';
import { writeChart } from '@mmada/charts/png';
import { IMAGE_TOKENIZER_LOSS_UNIT, LOSS_LOG_FILE, readLossLog } from '@mmada/mmada';
import { RL_METRICS_FILE, rewardCurveSvg, type RewardCurvePoint } from '@mmada/rl';
import { writeFileAtomic } from '@mmada/tensor';
import type { RecipeScores } from './recipe-eval.js';

export interface DemoChart {
  readonly title: string;
  /** Paths relative to the report's folder. */
  readonly svg: string;
  readonly png?: string;
}

async function rlMetrics(path: string): Promise<RewardCurvePoint[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: RewardCurvePoint[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const m = JSON.parse(line) as Partial<RewardCurvePoint>;
      if (typeof m.step === 'number' && typeof m.reward?.mean === 'number' && typeof m.reward.std === 'number') out.push(m as RewardCurvePoint);
    } catch {
      /* a torn last line */
    }
  }
  return out;
}

/** Writes the charts and returns them in report order; a log the model directory lacks gives no chart. */
export async function writeDemoCharts(modelDir: string, out: string, scores: RecipeScores): Promise<DemoChart[]> {
  const docs: { name: string; title: string; svg: string }[] = [];
  docs.push({
    name: 'held-out-accuracy',
    title: 'Held-out accuracy per task family',
    svg: barChartSvg({
      title: `held-out accuracy (n = ${scores.reasoning.n} per family)`,
      y: { label: 'accuracy', unit: 'fraction correct', max: 1 },
      smoothing: 'none: one value per task family',
      bars: [
        { label: 'reasoning', value: scores.reasoning.accuracy },
        { label: 'understanding', value: scores.understanding.accuracy },
        { label: 'text-to-image', value: scores.t2i.accuracy },
      ],
    }),
  });
  for (const [stage, what] of [['stage1', 'stage 1 SFT (text + images)'], ['stage2', 'stage 2 SFT (plans, thinking)']] as const) {
    const log = await readLossLog(join(modelDir, stage, LOSS_LOG_FILE));
    if (log.length > 0) docs.push({ name: `${stage}-loss`, title: `Training loss, ${what}`, svg: lossCurveSvg(log, { title: `${what}: loss` }) });
  }
  const vqLog = await readLossLog(join(modelDir, 'vq', LOSS_LOG_FILE));
  if (vqLog.length > 0) docs.push({ name: 'image-tokenizer-loss', title: 'Training loss, image tokenizer', svg: lossCurveSvg(vqLog, { title: 'image tokenizer: loss', unit: IMAGE_TOKENIZER_LOSS_UNIT }) });
  const rl = await rlMetrics(join(modelDir, 'stage3', RL_METRICS_FILE));
  if (rl.length > 0) docs.push({ name: 'stage3-reward', title: 'Reward, stage 3 RL', svg: rewardCurveSvg(rl, { title: 'stage 3 RL: reward' }) });
  const charts: DemoChart[] = [];
  await mkdir(join(out, 'charts'), { recursive: true });
  for (const d of docs) {
    const written = await writeChart(join(out, 'charts', d.name), d.svg, writeFileAtomic);
    charts.push({ title: d.title, svg: `charts/${d.name}.svg`, ...(written.length > 1 && { png: `charts/${d.name}.png` }) });
  }
  return charts;
}
