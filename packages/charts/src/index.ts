/**
 * @mmada/charts — every chart the project writes, as SVG strings (browser-safe). PNG rendering is in
 * `@mmada/charts/png` (Node). This file is the public surface and nothing else.
 */
export { axisTitle, type Axis, type ChartFrame } from './chart-spec.js';
export { lineChartSvg, PALETTE, type LineChartSpec, type LinePoint, type LineSeries } from './line-chart.js';
export { barChartSvg, type Bar, type BarChartSpec } from './bar-chart.js';
export { lossCurveSvg, type LossCurveOptions } from './loss-curve.js';
export { defaultSmoothing, movingAverage } from './smoothing.js';
export { niceTicks } from './ticks.js';
export { escapeXml, formatNumber } from './svg-text.js';
