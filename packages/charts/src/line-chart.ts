/**
 * Line charts: one polyline per series, an optional shaded band per series (e.g. mean ± a 95% interval over
 * seeds), a legend, gridlines and ticks, and a footer stating the smoothing. Pure string building; no DOM,
 * so it runs in Node and in a browser.
 */
import { axisTitle, type Axis, type ChartFrame } from './chart-spec.js';
import { escapeXml, formatNumber } from './svg-text.js';
import { niceTicks } from './ticks.js';

export interface LinePoint {
  readonly x: number;
  readonly y: number;
  /** Lower and upper edge of the band at x; a series whose points have them draws a band. */
  readonly lo?: number;
  readonly hi?: number;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly LinePoint[];
  /** 'faint': a thin light line under the others (raw values beneath their smoothed curve). */
  readonly style?: 'line' | 'faint';
  /** Dots at the points (default: when the series has at most 30 points). */
  readonly markers?: boolean;
  /** Colour index into the palette (default: the series' position); lets a raw and a smoothed series share a colour. */
  readonly color?: number;
}

export interface LineChartSpec extends ChartFrame {
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly LineSeries[];
}

export const PALETTE = ['#4878d0', '#ee854a', '#6acc64', '#d65f5f', '#956cb4', '#8c613c', '#dc7ec0', '#797979'];

/** A font size (≤ 11 px) at which `text` fits in `room` px (≈ 0.6 em a character). */
export const fitFont = (text: string, room: number): number => Math.max(7, Math.min(11, Math.floor(room / (0.6 * text.length))));

const finite = (p: LinePoint) => Number.isFinite(p.x) && Number.isFinite(p.y) && (p.lo === undefined || Number.isFinite(p.lo)) && (p.hi === undefined || Number.isFinite(p.hi));

function range(values: readonly number[], fallback: [number, number]): [number, number] {
  if (values.length === 0) return fallback;
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** The chart as a standalone SVG document. Series with no finite points appear in the legend only. */
export function lineChartSvg(spec: LineChartSpec): string {
  const w = spec.width ?? 640, h = spec.height ?? 380;
  const legendWidth = spec.series.length > 1 || spec.series.some((s) => s.style === 'faint') ? 150 : 20;
  const left = 64, right = legendWidth, top = 36, bottom = 62 + (spec.note ? 14 : 0);
  const pts = spec.series.flatMap((s) => s.points).filter(finite);
  let [xMin, xMax] = range(pts.map((p) => p.x), [0, 1]);
  let [yMin, yMax] = range(pts.flatMap((p) => [p.lo ?? p.y, p.hi ?? p.y]), [0, 1]);
  const pad = (yMax - yMin) * 0.05;
  yMin = spec.y.min ?? yMin - pad;
  yMax = spec.y.max ?? yMax + pad;
  xMin = spec.x.min ?? xMin;
  xMax = spec.x.max ?? xMax;
  if (!(xMax > xMin)) throw new RangeError(`lineChartSvg "${spec.title}": x axis [${xMin}, ${xMax}] is empty`);
  if (!(yMax > yMin)) throw new RangeError(`lineChartSvg "${spec.title}": y axis [${yMin}, ${yMax}] is empty`);
  const plotW = w - left - right, plotH = h - top - bottom;
  const px = (x: number) => (left + ((x - xMin) / (xMax - xMin)) * plotW).toFixed(1);
  const py = (y: number) => (top + (1 - (y - yMin) / (yMax - yMin)) * plotH).toFixed(1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans, sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left + plotW / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${left}" y1="${py(t)}" x2="${left + plotW}" y2="${py(t)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${(Number(py(t)) + 4).toFixed(1)}" text-anchor="end">${formatNumber(t)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(
      `<line x1="${px(t)}" y1="${top + plotH}" x2="${px(t)}" y2="${top + plotH + 4}" stroke="black"/>`,
      `<text x="${px(t)}" y="${top + plotH + 16}" text-anchor="middle">${formatNumber(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="black"/>`,
    `<text class="x-title" x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">${escapeXml(axisTitle(spec.x))}</text>`,
    `<text class="y-title" x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle" font-size="${fitFont(axisTitle(spec.y), plotH)}">${escapeXml(axisTitle(spec.y))}</text>`,
    `<text class="smoothing" x="${left}" y="${top + plotH + 52}" font-size="10" fill="#555">smoothing: ${escapeXml(spec.smoothing)}</text>`,
  );
  if (spec.note) parts.push(`<text class="note" x="${left}" y="${top + plotH + 66}" font-size="10" fill="#555">${escapeXml(spec.note)}</text>`);
  parts.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath>`, '<g clip-path="url(#plot)">');
  const legend: string[] = [];
  spec.series.forEach((s, i) => {
    const color = PALETTE[(s.color ?? i) % PALETTE.length]!;
    const sorted = s.points.filter(finite).slice().sort((a, b) => a.x - b.x);
    const faint = s.style === 'faint';
    if (sorted.some((p) => p.lo !== undefined || p.hi !== undefined)) {
      const upper = sorted.map((p) => `${px(p.x)},${py(p.hi ?? p.y)}`);
      const lower = sorted.slice().reverse().map((p) => `${px(p.x)},${py(p.lo ?? p.y)}`);
      parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
    }
    if (sorted.length > 0) {
      const line = sorted.map((p) => `${px(p.x)},${py(p.y)}`).join(' ');
      parts.push(`<polyline class="series" points="${line}" fill="none" stroke="${color}" stroke-width="${faint ? 1 : 2}"${faint ? ' stroke-opacity="0.35"' : ''}><title>${escapeXml(s.name)}</title></polyline>`);
      if (s.markers ?? (!faint && sorted.length <= 30)) {
        for (const p of sorted) parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="2.5" fill="${color}"><title>${formatNumber(p.x)}: ${formatNumber(p.y)}</title></circle>`);
      }
    }
    const ly = top + 14 + 16 * i;
    legend.push(
      `<rect x="${left + plotW + 12}" y="${ly - 8}" width="14" height="8" fill="${color}" fill-opacity="${faint ? 0.3 : 0.8}"/>`,
      `<text x="${left + plotW + 30}" y="${ly}" fill="${color}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</g>');
  if (legendWidth > 20) parts.push(...legend);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
