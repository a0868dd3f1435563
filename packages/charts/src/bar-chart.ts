/** Bar charts: one labelled bar per value, for evaluation summaries (accuracy per task or category). */
import { axisTitle, type Axis, type ChartFrame } from './chart-spec.js';
import { escapeXml, formatNumber } from './svg-text.js';
import { fitFont } from './line-chart.js';
import { niceTicks } from './ticks.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface BarChartSpec extends ChartFrame {
  /** The value axis; it starts at `min` (default 0) and ends at `max` (default the largest value, at least 1). */
  readonly y: Axis;
  readonly bars: readonly Bar[];
}

export function barChartSvg(spec: BarChartSpec): string {
  const { bars } = spec;
  const w = spec.width ?? Math.max(360, 90 + bars.length * 70), h = spec.height ?? 280;
  const top = 40, bottom = 66 + (spec.note ? 14 : 0), left = 64, right = 16;
  const plotH = h - top - bottom, plotW = w - left - right;
  const yMin = spec.y.min ?? 0;
  const yMax = spec.y.max ?? Math.max(1, ...bars.map((b) => b.value).filter(Number.isFinite));
  if (!(yMax > yMin)) throw new RangeError(`barChartSvg "${spec.title}": y axis [${yMin}, ${yMax}] is empty`);
  const py = (v: number) => top + (1 - (Math.max(yMin, Math.min(yMax, v)) - yMin) / (yMax - yMin)) * plotH;
  const slot = plotW / Math.max(1, bars.length);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans, sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax, 4)) {
    parts.push(
      `<line x1="${left}" y1="${py(t).toFixed(1)}" x2="${left + plotW}" y2="${py(t).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${formatNumber(t)}</text>`,
    );
  }
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="black"/>`);
  bars.forEach((b, i) => {
    const x = left + i * slot + slot * 0.15;
    const y = Number.isFinite(b.value) ? py(b.value) : top + plotH;
    const label = Number.isFinite(b.value) ? formatNumber(b.value) : 'n/a';
    parts.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(top + plotH - y).toFixed(1)}" fill="#4878d0"><title>${escapeXml(b.label)}: ${label}</title></rect>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${label}</text>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${escapeXml(b.label)}</text>`,
    );
  });
  parts.push(
    `<text class="y-title" x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" font-size="${fitFont(axisTitle(spec.y), plotH)}">${escapeXml(axisTitle(spec.y))}</text>`,
    `<text class="smoothing" x="${left}" y="${top + plotH + 40}" font-size="10" fill="#555">smoothing: ${escapeXml(spec.smoothing)}</text>`,
  );
  if (spec.note) parts.push(`<text class="note" x="${left}" y="${top + plotH + 54}" font-size="10" fill="#555">${escapeXml(spec.note)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
