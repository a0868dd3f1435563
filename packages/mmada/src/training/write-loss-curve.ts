/**
 * The loss curve of a training run, rewritten at every checkpoint: `loss.svg` and, where @resvg/resvg-js
 * runs, `loss.png` beside it (both from @mmada/charts, both written atomically).
 */
import { lossCurveSvg } from '@mmada/charts';
import { svgToPng } from '@mmada/charts/png';
import { writeFileAtomic } from '@mmada/tensor';
import type { LossLogEntry } from './loss-log.js';

/** The PNG copy's path: the SVG's with `.png` for `.svg`. */
export const pngBeside = (svgPath: string): string => svgPath.replace(/\.svg$/, '') + '.png';

/** `unit`: what the loss measures (default nats / token, the SFT cross-entropy). */
export async function writeLossCurve(svgPath: string, history: readonly Pick<LossLogEntry, 'step' | 'loss'>[], title: string, unit?: string): Promise<void> {
  const svg = lossCurveSvg(history, { title, ...(unit !== undefined && { unit }) });
  await writeFileAtomic(svgPath, svg);
  const png = await svgToPng(svg);
  if (png) await writeFileAtomic(pngBeside(svgPath), png);
}
