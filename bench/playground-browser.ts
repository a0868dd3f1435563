/**
 * The playground in headless Chromium: how fast the shipped models/mmada-tiny answers and draws in a browser,
 * on the page's WebGPU device (SwiftShader where there is no GPU) and on its cpu device. Each task runs through
 * its panel with the page's defaults (64 answer tokens in blocks of 16, one token per step; 4 MaskGIT steps
 * for the 2×2 image grid), once to warm up (shader compilation) and then `--runs` times; the median run is
 * reported. Rows go to bench/playground-browser.jsonl (appended) and a table to bench/playground-browser.md
 * (rewritten from all rows).
 *
 *   npx tsx bench/playground-browser.ts [--runs 3] [--devices webgpu,cpu]
 *   npx tsx bench/playground-browser.ts --table      (only rewrite the table from the JSON lines)
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { buildPlayground } from '../examples/playground/build.js';
import { startServer } from '../examples/playground/serve.js';
import { findChromium, launchChromium } from '../tests/playground/chromium.js';

const JSONL = new URL('./playground-browser.jsonl', import.meta.url);
const TABLE = new URL('./playground-browser.md', import.meta.url);
const TASKS = [
  { task: 'chat', button: '#chat-run', tokens: 64 },
  { task: 'understanding', button: '#understanding-run', tokens: 64 },
  { task: 't2i', button: '#t2i-run', tokens: 4 },
] as const;

export interface PlaygroundBenchRow {
  readonly date: string;
  readonly browser: string;
  readonly device: string;
  readonly adapter: string;
  readonly task: string;
  readonly tokens: number;
  readonly runs: number;
  /** Median seconds of a run, after one warm-up run. */
  readonly seconds: number;
  readonly tokensPerSec: number;
  readonly warmupSeconds: number;
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly cores: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => Math.round(loadavg()[0]! * 100) / 100;

async function runTask(page: Page, task: string, button: string): Promise<number> {
  await page.click(button);
  await page.waitForFunction((id) => ['done', 'error'].includes(document.getElementById(id)!.dataset.state!), task, { timeout: 600_000 });
  if ((await page.getAttribute(`#${task}`, 'data-state')) !== 'done') throw new Error(`${task}: ${await page.textContent(`#${task} .note`)}`);
  return page.evaluate((t) => (window.playground.results as Record<string, { seconds: number }>)[t]!.seconds, task);
}

function writeTable(): void {
  const rows = existsSync(JSONL) ? readFileSync(JSONL, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PlaygroundBenchRow) : [];
  const lines = [
    '# The playground in a browser',
    '',
    'Written by `npx tsx bench/playground-browser.ts` from `bench/playground-browser.jsonl`. models/mmada-tiny in',
    'headless Chromium (playwright-core), each task through its panel with the page defaults: 64 answer tokens in',
    'blocks of 16, one token per step, greedy; the image is 4 tokens in 4 MaskGIT steps. Median of the runs after',
    'one warm-up run; tokens/s counts generated tokens over wall time, including the per-step readback that',
    'streams the answer. The machine is shared: the 1-minute load average is given at the start and end of each row.',
    '',
    '| date | browser | device | adapter | task | tokens | runs | seconds | tokens/s | warm-up s | load start / end |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.date.slice(0, 16).replace('T', ' ')} | ${r.browser} | ${r.device} | ${r.adapter} | ${r.task} | ${r.tokens} | ${r.runs} | ${r.seconds.toFixed(2)} | ${r.tokensPerSec.toFixed(1)} | ${r.warmupSeconds.toFixed(2)} | ${r.loadStart} / ${r.loadEnd} |`,
    ),
    '',
  ];
  writeFileSync(TABLE, lines.join('\n'));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, devices: { type: 'string', default: 'webgpu,cpu' }, table: { type: 'boolean', default: false } } });
  if (values.table) return writeTable();
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const devices = values.devices!.split(',');
  for (const d of devices) if (d !== 'webgpu' && d !== 'cpu') throw new Error(`--devices takes webgpu and/or cpu, got ${d}`);
  const chromium = findChromium();
  if (!chromium.ok) throw new Error(`playground bench: ${chromium.reason}`);
  await buildPlayground();
  const { server, url } = await startServer({ port: 0 });
  const browser = await launchChromium(chromium.path);
  try {
    for (const device of devices) {
      const page = await browser.newPage();
      await page.goto(`${url}?device=${device}`);
      await page.waitForFunction(() => window.playground?.status !== 'loading', null, { timeout: 120_000 });
      const state = await page.evaluate(() => ({ status: window.playground.status, error: window.playground.error, device: window.playground.device }));
      if (state.status !== 'ready') throw new Error(`playground did not start on ${device}: ${state.error}`);
      for (const { task, button, tokens } of TASKS) {
        const loadStart = load();
        const warmupSeconds = await runTask(page, task, button);
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push(await runTask(page, task, button));
        const seconds = median(times);
        const row: PlaygroundBenchRow = {
          date: new Date().toISOString(), browser: browser.version(), device: state.device!.device, adapter: state.device!.adapter,
          task, tokens, runs, seconds, tokensPerSec: tokens / seconds, warmupSeconds, loadStart, loadEnd: load(), cores: cpus().length,
        };
        appendFileSync(JSONL, `${JSON.stringify(row)}\n`);
        console.log(`${device} ${task}: ${seconds.toFixed(2)} s (${row.tokensPerSec.toFixed(1)} tokens/s), warm-up ${warmupSeconds.toFixed(2)} s`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  writeTable();
}

await main();
