import { mkdtempSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodePng } from '@mmada/image';
import { axisTitle, barChartSvg, defaultSmoothing, escapeXml, formatNumber, lineChartSvg, lossCurveSvg, movingAverage, niceTicks, PALETTE, type LineChartSpec } from '@mmada/charts';
import { svgToPng, writeChart } from '@mmada/charts/png';

const base: Omit<LineChartSpec, 'series'> = { title: 'T <&>', x: { label: 'step', unit: 'steps' }, y: { label: 'reward', unit: 'mean of the batch' }, smoothing: 'none' };
const polyPoints = (svg: string) => [...svg.matchAll(/<polyline class="series" points="([^"]+)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]));

describe('niceTicks / formatNumber / movingAverage', () => {
  it('ticks are round and cover the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 4)).toEqual([25, 50, 75]);
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(() => niceTicks(0, Infinity)).toThrow(/finite range/);
    expect([formatNumber(3), formatNumber(0.123456), formatNumber(123456.7), formatNumber(0.00012)]).toEqual(['3', '0.123', '1.2e+5', '1.2e-4']);
  });

  it('axis titles carry the unit; text is escaped; the default EMA weight spans ≈ 5% of the run', () => {
    expect(axisTitle({ label: 'loss', unit: 'nats / token' })).toBe('loss (nats / token)');
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
    expect(defaultSmoothing(10)).toBeCloseTo(2 / 11, 12); // at least a 10-step span
    expect(defaultSmoothing(2000)).toBeCloseTo(2 / 101, 12);
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });

  it('the moving average is bias-corrected: it starts at the data and follows a constant exactly', () => {
    expect(movingAverage([4, 4, 4], 0.1)).toEqual([4, 4, 4]);
    const [a, b] = movingAverage([1, 3], 0.5);
    expect(a).toBe(1);
    expect(b).toBeCloseTo((0.25 * 1 + 0.5 * 3) / 0.75, 12);
    expect(() => movingAverage([1], 0)).toThrow(/alpha must be in \(0, 1\]/);
  });
});

describe('lineChartSvg', () => {
  it('draws one sorted line per series, a band where lo/hi are given, the axis units and the smoothing', () => {
    const svg = lineChartSvg({
      ...base,
      smoothing: 'trailing mean over 3 steps',
      note: 'band: 95% t-interval over 3 seeds',
      series: [
        { name: 'a', points: [{ x: 2, y: 0.7, lo: 0.6, hi: 0.8 }, { x: 1, y: 0.5, lo: 0.4, hi: 0.6 }] },
        { name: 'b', points: [{ x: 1, y: 0.2 }, { x: 3, y: Number.NaN }] },
      ],
    });
    expect(svg.match(/class="band"/g)).toHaveLength(1);
    const lines = polyPoints(svg);
    expect(lines.map((l) => l.length)).toEqual([2, 1]);
    expect(lines[0]![0]![0]).toBeLessThan(lines[0]![1]![0]); // sorted by x
    expect(lines[0]![1]![1]).toBeLessThan(lines[0]![0]![1]); // higher y is nearer the top
    expect(svg).toContain('step (steps)');
    expect(svg).toContain('reward (mean of the batch)');
    expect(svg).toContain('smoothing: trailing mean over 3 steps');
    expect(svg).toContain('band: 95% t-interval over 3 seeds');
    expect(svg).toContain('T &lt;&amp;&gt;');
  });

  it('places points by value within fixed axis ends', () => {
    const svg = lineChartSvg({ ...base, width: 400, height: 300, x: { label: 'x', unit: 'u', min: 0, max: 10 }, y: { label: 'y', unit: 'u', min: 0, max: 1 }, series: [{ name: 's', points: [{ x: 0, y: 0 }, { x: 5, y: 0.5 }, { x: 10, y: 1 }] }] });
    const [[x0, y0], [x1, y1], [x2, y2]] = polyPoints(svg)[0]! as [number, number][];
    expect(x1! - x0!).toBeCloseTo(x2! - x1!, 0);
    expect(y0! - y1!).toBeCloseTo(y1! - y2!, 0);
    expect(() => lineChartSvg({ ...base, y: { label: 'y', unit: 'u', min: 1, max: 1 }, series: [] })).toThrow(/y axis \[1, 1\] is empty/);
    // A long axis title gets a smaller font so that it fits beside the plot.
    const long = lineChartSvg({ ...base, height: 200, y: { label: 'loss', unit: 'x'.repeat(60) }, series: [] });
    expect(Number(/class="y-title"[^>]*font-size="(\d+)"/.exec(long)![1])).toBeLessThan(11);
    expect(/class="y-title"[^>]*font-size="(\d+)"/.exec(svg)![1]).toBe('11');
  });
});

describe('barChartSvg', () => {
  it('draws bars proportional to their values, and says so', () => {
    const bars = barChartSvg({ title: 'acc <&>', y: { label: 'accuracy', unit: 'fraction correct', max: 1 }, smoothing: 'none: one value per task', bars: [{ label: 'a', value: 1 }, { label: 'b', value: 0.25 }] });
    const heights = [...bars.matchAll(/class="bar"[^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[1]! / heights[0]!).toBeCloseTo(0.25);
    expect(bars).toContain('acc &lt;&amp;&gt;');
    expect(bars).toContain('accuracy (fraction correct)');
    expect(bars).toContain('smoothing: none: one value per task');
  });
});

describe('lossCurveSvg', () => {
  it('draws the per-step losses faint under their moving average, with the α used', () => {
    const svg = lossCurveSvg([1, 2, 3, 4].map((s) => ({ step: s, loss: 5 / s })), { title: 'a < b', smoothing: 0.5 });
    expect(svg.startsWith('<svg')).toBe(true);
    const [raw, ema] = polyPoints(svg);
    expect(raw).toHaveLength(4);
    expect(ema).toHaveLength(4);
    expect(ema![3]![1]).toBeLessThan(raw![3]![1]); // the average of falling losses lies above the last one (smaller y = higher)
    expect(svg).toContain('EMA with α = 0.500 (bias-corrected)');
    expect(svg).toContain('loss (nats / token)');
    expect(svg).toContain('a &lt; b');
    expect(lossCurveSvg([])).toContain('no steps yet');
  });
});

describe('PNG', () => {
  it('renders the SVG at 2× and writes both files', async () => {
    const svg = lineChartSvg({ ...base, width: 200, height: 120, series: [{ name: 's', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }] });
    const png = await svgToPng(svg);
    expect(png).toBeDefined();
    const img = decodePng(png!);
    expect(E.isRight(img) && [img.right.width, img.right.height]).toEqual([400, 240]);
    if (E.isRight(img)) {
      const colours = new Set<number>();
      for (let i = 0; i < img.right.data.length; i += 3) colours.add((img.right.data[i]! << 16) | (img.right.data[i + 1]! << 8) | img.right.data[i + 2]!);
      expect(colours.has(0x4878d0)).toBe(true); // the series colour is drawn
    }
    const dir = mkdtempSync(join(tmpdir(), 'charts-'));
    const written = await writeChart(join(dir, 'c'), svg, (p, c) => writeFile(p, c));
    expect(written).toEqual([join(dir, 'c.svg'), join(dir, 'c.png')]);
    expect(readFileSync(join(dir, 'c.svg'), 'utf8')).toBe(svg);
    expect([...readFileSync(join(dir, 'c.png')).subarray(0, 4)]).toEqual([137, 80, 78, 71]);
  });
});
