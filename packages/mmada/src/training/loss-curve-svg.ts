/**
 * A loss curve as a standalone SVG: the loss of every step (light) and its exponential moving average (dark),
 * step on x, loss on y, with ticks and a title. Pure string building; no DOM.
 */

export interface LossCurveOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
  /** Weight of the newest point in the moving average (default: 2 / (1 + max(10, n/20))). */
  readonly smoothing?: number;
}

/** `steps` nice tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3))));

/** Exponential moving average with bias correction (as TensorBoard's smoothing), so it starts at the data. */
export function movingAverage(values: readonly number[], alpha: number): number[] {
  let m = 0;
  let w = 0;
  return values.map((v) => {
    m = (1 - alpha) * m + alpha * v;
    w = (1 - alpha) * w + alpha;
    return m / w;
  });
}

export function lossCurveSvg(points: ReadonlyArray<{ readonly step: number; readonly loss: number }>, options: LossCurveOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const title = options.title ?? 'training loss';
  const pts = points.filter((p) => Number.isFinite(p.loss));
  const m = { left: 60, right: 20, top: 36, bottom: 44 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>\n`;
  if (pts.length === 0) return `${head}<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no steps yet</text>\n</svg>\n`;
  const x0 = Math.min(...pts.map((p) => p.step));
  const x1 = Math.max(x0 + 1, ...pts.map((p) => p.step));
  const lo = Math.min(0, ...pts.map((p) => p.loss));
  const hi = Math.max(...pts.map((p) => p.loss)) * 1.05 || 1;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y: number) => m.top + h - ((y - lo) / (hi - lo)) * h;
  const alpha = options.smoothing ?? 2 / (1 + Math.max(10, pts.length / 20));
  const smooth = movingAverage(pts.map((p) => p.loss), alpha);
  const line = (ys: readonly number[]) => pts.map((p, i) => `${sx(p.step).toFixed(1)},${sy(ys[i]!).toFixed(1)}`).join(' ');
  const parts: string[] = [head];
  for (const t of ticks(lo, hi, 5)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1, 6).filter((t) => Number.isInteger(t))) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${m.top + h}" y2="${m.top + h + 4}" stroke="#444"/>`);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + h + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${m.left + w / 2}" y="${height - 8}" text-anchor="middle">step</text>`);
  parts.push(`<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">loss</text>`);
  parts.push(`<polyline fill="none" stroke="#9ecae1" stroke-width="1" points="${line(pts.map((p) => p.loss))}"/>`);
  parts.push(`<polyline fill="none" stroke="#08519c" stroke-width="2" points="${line(smooth)}"/>`);
  const first = smooth[0]!;
  const last = smooth[smooth.length - 1]!;
  parts.push(`<text x="${m.left + w - 6}" y="${m.top + 16}" text-anchor="end" fill="#08519c">smoothed ${fmt(first)} → ${fmt(last)} over ${pts.length} steps</text>`);
  return `${parts.join('\n')}\n</svg>\n`;
}
