/**
 * SFT batches on the host: (prompt, answer) token sequences laid out as rows of one length, the way upstream
 * LLaDA / MMaDA SFT builds them — `prompt, answer, EOS, EOS, …` — with the prompt length of each row (the
 * prompt is never masked and is not part of the answer length A_b; the EOS padding is). Optionally the prompts
 * are left-padded to one length first, as batched generation lays them out (`alignPrompts`).
 *
 * Batches are plain number arrays, so a data pipeline needs no device; the training step uploads them.
 */

/** One training pair: prompt token ids (chat-formatted, BOS included, if the data is chat) and answer ids. */
export interface SftExample {
  readonly prompt: readonly number[];
  readonly answer: readonly number[];
}

/** A batch of B rows of length L. */
export interface SftBatch {
  /** [B][L] token ids. */
  readonly ids: readonly (readonly number[])[];
  /** Per row: positions [0, promptLength) are prompt (left pads included): never masked, not in A_b. */
  readonly promptLengths: readonly number[];
  /** [B][L] attention pad mask (1 = token, 0 = pad), present only when some row has left padding. */
  readonly padMask?: readonly (readonly number[])[];
}

export interface SftBatchOptions {
  /** EOS id: the right padding after each answer (counted as answer, as upstream). */
  readonly eosId: number;
  /** PAD id for left-aligned prompts (default: eosId). */
  readonly padId?: number;
  /**
   * Row length. Default: the longest prompt + answer of the batch. Rows longer than this lose the end of their
   * answer; a prompt that does not leave one answer position is an error.
   */
  readonly length?: number;
  /**
   * Left-pad the prompts with PAD to the batch's longest prompt (masked out of attention) so every answer
   * starts in the same column, as batched generation lays prompts out. Default false: upstream SFT's layout.
   */
  readonly alignPrompts?: boolean;
}

/** Lays out examples as one batch (see SftBatchOptions). */
export function sftBatch(examples: readonly SftExample[], options: SftBatchOptions): SftBatch {
  if (examples.length === 0) throw new RangeError('sftBatch: no examples');
  const pad = options.padId ?? options.eosId;
  const promptWidth = options.alignPrompts ? Math.max(...examples.map((e) => e.prompt.length)) : 0;
  const natural = Math.max(...examples.map((e) => Math.max(promptWidth, e.prompt.length) + e.answer.length));
  const length = options.length ?? natural;
  if (!Number.isInteger(length) || length < 2) throw new RangeError(`sftBatch: length must be an integer ≥ 2, got ${length}`);
  const ids: number[][] = [];
  const promptLengths: number[] = [];
  const padMask: number[][] = [];
  let anyPad = false;
  examples.forEach((e, r) => {
    const left = options.alignPrompts ? promptWidth - e.prompt.length : 0;
    const promptLength = left + e.prompt.length;
    if (promptLength >= length) throw new RangeError(`sftBatch: example ${r}'s prompt (${promptLength} tokens with padding) leaves no room for an answer in rows of ${length}`);
    const row = [...new Array<number>(left).fill(pad), ...e.prompt, ...e.answer.slice(0, length - promptLength)];
    while (row.length < length) row.push(options.eosId);
    ids.push(row);
    promptLengths.push(promptLength);
    padMask.push(row.map((_, i) => (i < left ? 0 : 1)));
    anyPad ||= left > 0;
  });
  return anyPad ? { ids, promptLengths, padMask } : { ids, promptLengths };
}

export interface SftBatchSourceOptions extends SftBatchOptions {
  readonly batchSize: number;
  /** Shuffling seed (default 0). */
  readonly seed?: number;
}

/** Batches as a function of the step: what exact resume needs (the batch of step s never depends on history). */
export type SftBatchSource = (step: number) => SftBatch | Promise<SftBatch>;

/** splitmix32-style integer hash → a float in [0, 1). */
function hashUnit(seed: number, epoch: number, i: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b9) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates over hashed uniforms). */
function permutationOf(n: number, seed: number, epoch: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(hashUnit(seed, epoch, i) * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/**
 * Endless shuffled batches over `examples`: epoch e is a seeded permutation, consecutive batches take the
 * next `batchSize` examples of the stream of epochs. Step s always gets the same batch.
 */
export function sftBatchSource(examples: readonly SftExample[], options: SftBatchSourceOptions): SftBatchSource {
  const n = examples.length;
  if (n === 0) throw new RangeError('sftBatchSource: no examples');
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`sftBatchSource: batchSize must be a positive integer, got ${options.batchSize}`);
  const seed = (options.seed ?? 0) >>> 0;
  const perms = new Map<number, number[]>();
  const at = (position: number): SftExample => {
    const epoch = Math.floor(position / n);
    let p = perms.get(epoch);
    if (!p) {
      if (perms.size > 4) perms.clear();
      p = permutationOf(n, seed, epoch);
      perms.set(epoch, p);
    }
    return examples[p[position % n]!]!;
  };
  return (step) => {
    const first = step * options.batchSize;
    return sftBatch(Array.from({ length: options.batchSize }, (_, i) => at(first + i)), options);
  };
}
