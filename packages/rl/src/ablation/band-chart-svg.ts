/**
 * A line chart with a shaded band per series (mean over seeds ± a spread), for ablation curves. Plain SVG,
 * no dependencies. (@mmada/eval's `lineChartSvg` draws lines only and fixes the y axis at 0, so the ablation
 * runner has this one.)
 */

export interface BandPoint {
  readonly x: number;
  readonly y: number;
  /** Lower and upper edge of the band at x (equal to y when there is no spread). */
  readonly lo: number;
  readonly hi: number;
}

export interface BandSeries {
  readonly name: string;
  readonly points: readonly BandPoint[];
}

export interface BandChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** A line under the plot (what the band is, how the curves were smoothed). */
  readonly note?: string;
  readonly width?: number;
  readonly height?: number;
}

const COLORS = ['#4878d0', '#ee854a', '#6acc64', '#d65f5f', '#956cb4', '#8c613c', '#dc7ec0', '#797979'];

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Tick label: integers as they are, otherwise 3 significant digits (exponent form for very large/small). */
function fmt(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** The chart as an SVG document. Series with no points are listed in the legend only. */
export function bandChartSvg(series: readonly BandSeries[], options: BandChartOptions): string {
  const w = options.width ?? 640;
  const h = options.height ?? 380;
  const left = 64, right = 150, top = 36, bottom = options.note ? 66 : 48;
  const pts = series.flatMap((s) => s.points).filter((p) => [p.x, p.y, p.lo, p.hi].every(Number.isFinite));
  const xs = pts.map((p) => p.x);
  let [xMin, xMax] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xMax === xMin) [xMin, xMax] = [xMin - 0.5, xMax + 0.5];
  let yMin = pts.length ? Math.min(...pts.map((p) => p.lo)) : 0;
  let yMax = pts.length ? Math.max(...pts.map((p) => p.hi)) : 1;
  if (yMax === yMin) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const plotW = w - left - right, plotH = h - top - bottom;
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left + plotW / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
  ];
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${left}" y1="${py(t).toFixed(1)}" x2="${left + plotW}" y2="${py(t).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(
      `<line x1="${px(t).toFixed(1)}" y1="${top + plotH}" x2="${px(t).toFixed(1)}" y2="${top + plotH + 4}" stroke="black"/>`,
      `<text x="${px(t).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="black"/>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  if (options.note) parts.push(`<text x="${left}" y="${h - 10}" font-size="10" fill="#555">${escapeXml(options.note)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const sorted = s.points.filter((p) => [p.x, p.y, p.lo, p.hi].every(Number.isFinite)).slice().sort((a, b) => a.x - b.x);
    if (sorted.length > 0) {
      const upper = sorted.map((p) => `${px(p.x).toFixed(1)},${py(p.hi).toFixed(1)}`);
      const lower = sorted.slice().reverse().map((p) => `${px(p.x).toFixed(1)},${py(p.lo).toFixed(1)}`);
      parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
      const line = sorted.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
      parts.push(`<polyline class="series" points="${line}" fill="none" stroke="${color}" stroke-width="2"><title>${escapeXml(s.name)}</title></polyline>`);
      if (sorted.length === 1) parts.push(`<circle cx="${px(sorted[0]!.x).toFixed(1)}" cy="${py(sorted[0]!.y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = top + 14 + 16 * i;
    parts.push(
      `<rect x="${left + plotW + 12}" y="${ly - 8}" width="14" height="8" fill="${color}" fill-opacity="0.5"/>`,
      `<text x="${left + plotW + 30}" y="${ly}" fill="${color}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
