/**
 * The loss log of a run: one JSON object per optimizer step, one per line (`loss.jsonl`), appended as steps
 * finish. On resume the lines after the checkpoint's step are dropped, so the log always describes one
 * uninterrupted run.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@mmada/tensor';

export interface LossLogEntry {
  /** Optimizer steps completed (1 for the first update). */
  readonly step: number;
  /** The SFT loss of the step's batch, before its update. */
  readonly loss: number;
  /** The learning rate the update used. */
  readonly lr: number;
  /** Tokens in the batch (B·L). */
  readonly tokens: number;
  /** Wall-clock seconds of the step. */
  readonly seconds: number;
}

/** Entries of a log file; a missing file is an empty log, unparsable lines are skipped (a torn last line). */
export async function readLossLog(path: string): Promise<LossLogEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: LossLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as LossLogEntry;
      if (typeof e.step === 'number' && typeof e.loss === 'number') out.push(e);
    } catch {
      /* a line cut by an interruption */
    }
  }
  return out;
}

export const lossLogLine = (e: LossLogEntry): string => `${JSON.stringify(e)}\n`;

/** Replaces the log with `entries` (atomically). */
export async function writeLossLog(path: string, entries: readonly LossLogEntry[]): Promise<void> {
  await writeFileAtomic(path, entries.map(lossLogLine).join(''));
}

export async function appendLossLog(path: string, entry: LossLogEntry): Promise<void> {
  await appendFile(path, lossLogLine(entry));
}
