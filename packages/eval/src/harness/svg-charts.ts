// Minimal dependency-free SVG charts for run summaries.

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

export interface Bar {
  readonly label: string;
  readonly value: number;
}

/** A vertical bar chart of values in [0, max] (default max 1), one labelled bar each. */
export function barChartSvg(title: string, bars: readonly Bar[], max = 1): string {
  const w = Math.max(320, 60 + bars.length * 70), h = 260, top = 40, bottom = 60, left = 50;
  const plotH = h - top - bottom;
  const slot = (w - left - 20) / Math.max(1, bars.length);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${w - 10}" y2="${top + plotH}" stroke="black"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${fmt(max)}</text>`,
    `<text x="${left - 6}" y="${top + plotH + 4}" text-anchor="end">0</text>`,
  ];
  bars.forEach((b, i) => {
    const v = Math.max(0, Math.min(max, b.value));
    const bh = max > 0 ? (v / max) * plotH : 0;
    const x = left + i * slot + slot * 0.15;
    parts.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${bh.toFixed(1)}" fill="#4878d0"><title>${escapeXml(b.label)}: ${fmt(b.value)}</title></rect>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${(top + plotH - bh - 4).toFixed(1)}" text-anchor="middle">${fmt(b.value)}</text>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${escapeXml(b.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

const COLORS = ['#4878d0', '#ee854a', '#6acc64', '#d65f5f', '#956cb4', '#8c613c'];

/** A line chart with one polyline per series and the x values marked on the axis. */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const w = 480, h = 300, left = 60, right = 120, top = 40, bottom = 50;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x), ys = all.map((p) => p.y);
  const [xMin, xMax] = [Math.min(...xs, 0), Math.max(...xs, 1)];
  const yMax = Math.max(...ys, 1e-9) <= 1 ? 1 : Math.max(...ys);
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin || 1)) * (w - left - right);
  const py = (y: number) => top + (1 - y / yMax) * (h - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${(w - right + left) / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${py(0)}" x2="${w - right}" y2="${py(0)}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${py(0)}" stroke="black"/>`,
    `<text x="${(w - right + left) / 2}" y="${h - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${(top + h - bottom) / 2}" transform="rotate(-90 14 ${(top + h - bottom) / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${fmt(yMax)}</text>`,
    `<text x="${left - 6}" y="${py(0) + 4}" text-anchor="end">0</text>`,
  ];
  for (const x of [...new Set(xs)]) parts.push(`<text x="${px(x).toFixed(1)}" y="${py(0) + 16}" text-anchor="middle">${fmt(x)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"><title>${fmt(p.x)}: ${fmt(p.y)}</title></circle>`);
    parts.push(`<text x="${w - right + 10}" y="${top + 14 * i + 4}" fill="${color}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
