import type { PredictionRecord } from './task.js';

export interface CategorySummary {
  readonly n: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly meanScore: number;
}

export interface EvalSummary extends CategorySummary {
  readonly task: string;
  readonly steps?: number;
  readonly byCategory: Readonly<Record<string, CategorySummary>>;
  /** Task-specific metrics (e.g. POPE precision / recall / F1). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Mean wall time per item, in seconds. */
  readonly secondsPerItem: number;
}

function summarizeGroup(records: readonly PredictionRecord[]): CategorySummary {
  const n = records.length;
  const correct = records.filter((r) => r.correct).length;
  const scoreSum = records.reduce((s, r) => s + r.score, 0);
  return { n, correct, accuracy: n ? correct / n : 0, meanScore: n ? scoreSum / n : 0 };
}

/** Accuracy and mean score overall and per category (categories sorted by name). */
export function summarize(task: string, records: readonly PredictionRecord[], metrics: Readonly<Record<string, number>> = {}, steps?: number): EvalSummary {
  const groups = new Map<string, PredictionRecord[]>();
  for (const r of records) groups.set(r.category, [...(groups.get(r.category) ?? []), r]);
  const byCategory = Object.fromEntries([...groups.keys()].sort().map((c) => [c, summarizeGroup(groups.get(c)!)]));
  const secondsPerItem = records.length ? records.reduce((s, r) => s + r.elapsedMs, 0) / records.length / 1000 : 0;
  return { task, ...(steps !== undefined && { steps }), ...summarizeGroup(records), byCategory, metrics, secondsPerItem };
}

const pct = (v: number) => (100 * v).toFixed(1);

/** The summary as a markdown table (overall row first, then one row per category, then extra metrics). */
export function summaryMarkdown(s: EvalSummary): string {
  const lines = [
    `# ${s.task}${s.steps !== undefined ? ` (${s.steps} steps)` : ''}`,
    '',
    '| category | n | correct | accuracy (%) | mean score |',
    '|---|---:|---:|---:|---:|',
    `| **all** | ${s.n} | ${s.correct} | ${pct(s.accuracy)} | ${s.meanScore.toFixed(4)} |`,
    ...Object.entries(s.byCategory).map(([c, g]) => `| ${c} | ${g.n} | ${g.correct} | ${pct(g.accuracy)} | ${g.meanScore.toFixed(4)} |`),
  ];
  const metrics = Object.entries(s.metrics);
  if (metrics.length > 0) lines.push('', '| metric | value |', '|---|---:|', ...metrics.map(([k, v]) => `| ${k} | ${v.toFixed(4)} |`));
  lines.push('', `${s.secondsPerItem.toFixed(3)} s per item.`, '');
  return lines.join('\n');
}
