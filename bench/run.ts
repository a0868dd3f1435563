/**
 * `npm run bench`: the same cases for @mmada/tensor, tfjs-backend-webgpu and jax-js on one
 * WebGPU adapter, in one run. Writes JSON lines to bench/out/results.jsonl and a markdown table
 * to bench/out/RESULTS.md, and prints the table. Flags: --quick (smaller matmuls), --only NAME,...
 * (cases whose name contains one of them), --libs ours,tfjs,jax (which libraries), --trials N (timed trials
 * per case and library, median reported; default 5), --no-blas (skip the OpenBLAS context column), --no-packages (skip the package benchmarks: sampler,
 * model forward, image tokenizer), --vq-sizes 64,256 (image sizes for the tokenizer benchmark), --no-train (skip
 * the training step against PyTorch, bench/train-step.ts; MMADA_PROFILE=1 writes its per-kernel profile to
 * bench/out/train-step-profile.txt).
 *
 * Protocol, the same for every library: one warm-up run (pipeline compilation, buffer pools), then N trials of
 * R back-to-back runs followed by one readback of the last result; R is chosen so a trial lasts ~0.6 s.
 * Libraries run one after another on each case, all in this process on one `navigator.gpu`.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { benchCases, workOf, type BenchCase } from './cases.js';
import { oursPeer } from './ours.js';
import { jaxPeer, tfjsPeer, type Peer } from './peers.js';
import { openblasGflops } from './openblas.js';
import { extraBenches } from './extra.js';
import { benchTrainStep } from './train-step.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? onlyArg.split(',') : null;
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const libs = (flag('--libs') ?? 'ours,tfjs,jax').split(',');
const trialCount = Math.max(1, Number(flag('--trials') ?? 5));
const noBlas = args.includes('--no-blas');

interface Row {
  case: string;
  library: string;
  version: string;
  msPerRun: number;
  throughput: number;
  unit: string;
  adapter: string;
  time: string;
}

async function timeCase(run: (reps: number) => Promise<void>): Promise<number> {
  await run(1); // warm-up: pipeline compilation, buffer pool
  const t0 = performance.now();
  await run(1);
  const single = performance.now() - t0;
  const reps = Math.max(1, Math.min(20, Math.ceil(600 / Math.max(single, 1))));
  const trials: number[] = [];
  for (let i = 0; i < trialCount; i++) {
    const s = performance.now();
    await run(reps);
    trials.push((performance.now() - s) / reps);
  }
  trials.sort((a, b) => a - b);
  return trials[Math.floor(trials.length / 2)]!;
}

async function adapterName(): Promise<string> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const a = await gpu?.requestAdapter();
  const i = a?.info;
  return i ? `${i.vendor} ${i.architecture} ${i.description}`.trim() : 'unknown';
}

async function main(): Promise<void> {
  const cases = benchCases(quick).filter((c) => !only || only.some((o) => c.name.includes(o)));
  const peers: Peer[] = [];
  if (libs.includes('ours')) peers.push(await oursPeer());
  for (const make of [...(libs.includes('tfjs') ? [tfjsPeer] : []), ...(libs.includes('jax') ? [jaxPeer] : [])]) {
    try {
      peers.push(await make());
    } catch (e) {
      console.error(`bench: peer unavailable: ${(e as Error).message}`);
    }
  }
  const adapter = await adapterName();
  const rows: Row[] = [];
  const loadStart = loadavg()[0]!;
  mkdirSync('bench/out', { recursive: true });
  const time = new Date().toISOString();
  for (const c of cases) {
    for (const p of peers) {
      process.stderr.write(`bench: ${c.name} on ${p.name} ... `);
      try {
        const run = await p.prepare(c);
        if (!run) continue;
        const ms = await timeCase(run);
        const w = workOf(c);
        const throughput = w.unit === 'runs/s' ? 1000 / ms : w.amount / (ms * 1e6);
        const row: Row = { case: c.name, library: p.name, version: p.version, msPerRun: ms, throughput, unit: w.unit, adapter, time };
        rows.push(row);
        appendFileSync('bench/out/results.jsonl', JSON.stringify(row) + '\n');
        process.stderr.write(`${ms.toFixed(2)} ms\n`);
      } catch (e) {
        process.stderr.write(`failed: ${(e as Error).message}\n`);
      }
    }
  }
  for (const p of peers) p.dispose();
  const blas = noBlas ? [] : cases.filter((c): c is Extract<BenchCase, { kind: 'matmul' }> => c.kind === 'matmul').map((c) => [c.name, openblasGflops(c.n)] as const);
  const vqSizes = (flag('--vq-sizes') ?? '64').split(',').map(Number);
  const extra = await extraBenches(quick, !args.includes('--no-packages'), vqSizes);
  if (!args.includes('--no-train')) {
    process.stderr.write('bench: training step vs PyTorch ...\n');
    try {
      for (const { profile, ...r } of await benchTrainStep({ steps: quick ? 3 : 5 })) {
        extra.push(r);
        if (profile) {
          writeFileSync('bench/out/train-step-profile.txt', profile + '\n');
          process.stderr.write(profile + '\n');
        }
      }
    } catch (e) {
      process.stderr.write(`bench: training step failed: ${(e as Error).message}\n`);
    }
  }
  for (const r of extra) appendFileSync('bench/out/results.jsonl', JSON.stringify({ ...r, adapter, time }) + '\n');
  const table = renderTable(cases, rows, blas, adapter);
  const extraTable = extra.length
    ? ['', '| benchmark | result |', '|---|---|', ...extra.map((r) => `| ${r.name} | ${r.summary} |`)].join('\n')
    : '';
  const header = [
    `# Benchmark results`,
    '',
    `- Date: ${time}`,
    `- Command: \`npx tsx bench/run.ts${args.length ? ' ' + args.join(' ') : ''}\` (\`npm run bench\` without flags)`,
    `- Machine: ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
    `- Protocol: one warm-up run, then ${trialCount} trials of R back-to-back runs + one readback; median trial / R.`,
    `- Load average (1 min) at start / end: ${loadStart.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} (other processes share the cores)`,
    '',
    '',
  ].join('\n');
  writeFileSync('bench/out/RESULTS.md', header + table + extraTable + '\n');
  console.log(table + extraTable);
}

function renderTable(cases: BenchCase[], rows: Row[], blas: (readonly [string, number | null])[], adapter: string): string {
  const libs = [...new Set(rows.map((r) => r.library))];
  const peers = libs.filter((l) => l !== '@mmada/tensor');
  const lines = [
    `Adapter: ${adapter}. Throughput (higher is better); ratio = ours / peer (>1 means we are faster).`,
    '',
    `| case | unit | ${[...libs, ...peers.map((p) => `ours/${p}`)].join(' | ')} | OpenBLAS (numpy) |`,
    `|---|---|${libs.map(() => '---|').join('')}${peers.map(() => '---|').join('')}---|`,
  ];
  for (const c of cases) {
    const get = (l: string) => rows.find((r) => r.case === c.name && r.library === l);
    const ours = get('@mmada/tensor');
    const cells = libs.map((l) => {
      const r = get(l);
      return r ? `${r.throughput.toFixed(2)} (${r.msPerRun.toFixed(1)} ms)` : '—';
    });
    const ratios = peers.map((p) => {
      const r = get(p);
      return ours && r ? `${(ours.throughput / r.throughput).toFixed(2)}×` : '—';
    });
    const b = blas.find(([n]) => n === c.name)?.[1];
    lines.push(`| ${c.name} | ${workOf(c).unit} | ${[...cells, ...ratios].join(' | ')} | ${b ? b.toFixed(1) : '—'} |`);
  }
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
