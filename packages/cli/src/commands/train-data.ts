/**
 * Training data for `mmada train`: ShapesWorld reasoning (generated train split: question → `<think>…</think>
 * answer` completion) or a JSONL file of prompt/answer (or question/answer, prompt/completion) pairs, turned
 * into token sequences with the model's tokenizer. Chat format (default) wraps the prompt in the inference
 * chat template and ends the answer with `<|eot_id|>`, as upstream's chat SFT rows; raw keeps both as given.
 */
import * as E from 'fp-ts/lib/Either.js';
import { readRegularFile } from '@mmada/tensor';
import { generateShapesWorld } from '@mmada/eval';
import { formatChat, type SftExample, type TextTokenizer } from '@mmada/mmada';

export const SHAPESWORLD_REASONING = 'shapesworld-reasoning';

export interface TextPair {
  readonly prompt: string;
  readonly answer: string;
}

/** The first `count` records of ShapesWorld's reasoning train split (never items of the test split). */
export function shapesWorldReasoningPairs(count: number): TextPair[] {
  return generateShapesWorld('reasoning', { split: 'train', count }).map((r) => ({ prompt: r.problem.question, answer: r.problem.completion }));
}

const FIELD_PAIRS = [
  ['prompt', 'answer'],
  ['question', 'answer'],
  ['prompt', 'completion'],
  ['question', 'completion'],
] as const;

/** JSONL rows with string fields prompt/answer (or question/answer, prompt/completion); a Left names the line. */
export async function readPairsJsonl(path: string): Promise<E.Either<Error, TextPair[]>> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, { what: 'training data file' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return E.left(new Error(code !== undefined ? `cannot read ${path}: ${(e as Error).message}` : (e as Error).message));
  }
  const out: TextPair[] = [];
  // Decoded line by line with a fatal decoder: invalid UTF-8 is an error naming the line, not a silent U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines: Uint8Array[] = [];
  for (let start = 0; start <= bytes.byteLength; ) {
    const end = bytes.indexOf(0x0a, start);
    lines.push(bytes.subarray(start, end === -1 ? bytes.byteLength : end));
    if (end === -1) break;
    start = end + 1;
  }
  for (let i = 0; i < lines.length; i++) {
    let line: string;
    try {
      line = decoder.decode(lines[i]!).trim();
    } catch {
      return E.left(new Error(`${path}:${i + 1}: invalid UTF-8`));
    }
    if (line === '') continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      return E.left(new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`));
    }
    const pair = FIELD_PAIRS.find(([p, a]) => typeof row?.[p] === 'string' && typeof row?.[a] === 'string');
    if (!pair) return E.left(new Error(`${path}:${i + 1}: expected string fields prompt and answer (or question/answer, prompt/completion)`));
    out.push({ prompt: row[pair[0]] as string, answer: row[pair[1]] as string });
  }
  if (out.length === 0) return E.left(new Error(`${path}: no examples`));
  return E.right(out);
}

export interface TokenizeOptions {
  /** 'chat': the inference chat template around the prompt and `<|eot_id|>` after the answer. 'raw': as given. */
  readonly format: 'chat' | 'raw';
  /** With chat: MMaDA's thinking-mode instruction before the question. */
  readonly thinking?: boolean;
}

/** The prompt as the model sees it at inference (`mmada generate --chat`, `mmada eval`). */
export function promptText(prompt: string, options: TokenizeOptions): string {
  return options.format === 'chat' ? formatChat([{ role: 'user', content: prompt }], { thinking: options.thinking }) : prompt;
}

export function tokenizePairs(pairs: readonly TextPair[], tokenizer: TextTokenizer, options: TokenizeOptions): SftExample[] {
  return pairs.map((p) => ({
    prompt: tokenizer.encode(promptText(p.prompt, options)),
    answer: tokenizer.encode(options.format === 'chat' ? `${p.answer.trim()}<|eot_id|>` : p.answer),
  }));
}
