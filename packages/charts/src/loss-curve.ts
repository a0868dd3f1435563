/** A training-loss chart: the loss of every step (faint) under its bias-corrected moving average. */
import { lineChartSvg } from './line-chart.js';
import { defaultSmoothing, movingAverage } from './smoothing.js';

export interface LossCurveOptions {
  readonly title?: string;
  /** Unit of the loss (default "nats / token": mean cross-entropy). */
  readonly unit?: string;
  /** Weight of the newest point in the moving average (default: defaultSmoothing(n)). */
  readonly smoothing?: number;
  readonly width?: number;
  readonly height?: number;
}

export function lossCurveSvg(points: ReadonlyArray<{ readonly step: number; readonly loss: number }>, options: LossCurveOptions = {}): string {
  const pts = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.step));
  const alpha = options.smoothing ?? defaultSmoothing(pts.length);
  const smooth = movingAverage(pts.map((p) => p.loss), alpha);
  const summary = smooth.length > 0 ? `smoothed ${smooth[0]!.toPrecision(3)} → ${smooth[smooth.length - 1]!.toPrecision(3)} over ${pts.length} steps` : 'no steps yet';
  return lineChartSvg({
    title: options.title ?? 'training loss',
    x: { label: 'optimizer step', unit: 'steps' },
    y: { label: 'loss', unit: options.unit ?? 'nats / token', min: Math.min(0, ...pts.map((p) => p.loss)) },
    smoothing: `faint: per step, none; dark: EMA with α = ${alpha.toPrecision(3)} (bias-corrected)`,
    note: summary,
    series: [
      { name: 'per step', points: pts.map((p) => ({ x: p.step, y: p.loss })), style: 'faint', color: 0 },
      { name: 'EMA', points: pts.map((p, i) => ({ x: p.step, y: smooth[i]! })), color: 0, markers: false },
    ],
    ...(options.width !== undefined && { width: options.width }),
    ...(options.height !== undefined && { height: options.height }),
  });
}
