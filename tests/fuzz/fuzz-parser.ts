/**
 * The contract every parser of outside data is fuzzed against: for any input, the only outcomes are a value
 * or a clear typed error (the parser's own error type with a non-empty message). A TypeError or RangeError
 * escaping, a promise that never settles, an input that takes longer than the time bound, or one that raises
 * the process's peak memory by more than the memory bound fails the property, and fast-check shrinks it to
 * a small counterexample.
 *
 * Runs are seeded (FUZZ_SEED overrides) so CI sees the same inputs every time; FUZZ_SCALE multiplies every
 * parser's run count for a longer local search.
 */
import fc from 'fast-check';

export type Outcome = 'value' | 'error';

export interface FuzzTally {
  readonly parser: string;
  inputs: number;
  values: number;
  errors: number;
}

export interface FuzzOptions<T> {
  /** Names the parser in failures and in the tally. */
  readonly parser: string;
  readonly inputs: fc.Arbitrary<T>;
  /** Runs the parser on one input: resolves to its outcome, or throws what the parser threw. */
  readonly run: (input: T) => Outcome | Promise<Outcome>;
  readonly numRuns: number;
  readonly seed?: number;
  /** Per-input bound on wall time (default 2 s: every parser here answers in well under 10 ms). */
  readonly timeBoundMs?: number;
  /** Per-input bound on how much one input may raise the process's peak RSS (default 256 MiB). */
  readonly memoryBoundBytes?: number;
}

const SCALE = Number(process.env.FUZZ_SCALE ?? '1') || 1;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;

/** Peak resident set size of this process so far, in bytes (monotonic). */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
const currentRss = (): number => process.memoryUsage.rss();

class Hang extends Error {}

/** Checks a Left-side value: the parser's error type, with a message a user can read. */
export function typedError(e: unknown, type: abstract new (...args: never[]) => Error): Outcome {
  if (!(e instanceof type)) throw e;
  if (typeof e.message !== 'string' || e.message.trim() === '') throw new Error(`${type.name} without a message`);
  return 'error';
}

/** Runs the property and returns the tally of outcomes. */
export async function fuzzParser<T>(options: FuzzOptions<T>): Promise<FuzzTally> {
  const tally: FuzzTally = { parser: options.parser, inputs: 0, values: 0, errors: 0 };
  const timeBound = options.timeBoundMs ?? 2000;
  const memoryBound = options.memoryBoundBytes ?? 256 * 1024 * 1024;
  const numRuns = Math.max(1, Math.round(options.numRuns * SCALE));
  const property = fc.asyncProperty(options.inputs, async (input: T) => {
    const before = peakRss();
    const rssBefore = currentRss();
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.resolve().then(() => options.run(input)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Hang(`${options.parser}: no answer within ${timeBound} ms`)), timeBound);
      }),
    ]).finally(() => clearTimeout(timer));
    const elapsed = performance.now() - start;
    if (elapsed > timeBound) throw new Error(`${options.parser}: took ${elapsed.toFixed(0)} ms, over the ${timeBound} ms bound`);
    // The peak alone misses growth when an earlier test in this worker already set a higher peak; what is still
    // resident after the run (garbage is not collected yet) catches that case.
    const grew = Math.max(peakRss() - before, currentRss() - rssBefore);
    if (grew > memoryBound) throw new Error(`${options.parser}: raised peak memory by ${(grew / 2 ** 20).toFixed(0)} MiB, over the ${memoryBound / 2 ** 20} MiB bound`);
    tally.inputs++;
    if (outcome === 'value') tally.values++;
    else tally.errors++;
  });
  const details = await fc.check(property, { numRuns, seed: SEED ?? options.seed ?? 20261130, endOnFailure: true });
  if (details.failed) {
    // The parser's own error first (what broke), then fast-check's report (seed, shrunk counterexample).
    const cause = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
    throw new Error(`${options.parser}: ${cause.name}: ${cause.message}\n${fc.defaultReportMessage(details) ?? ''}`, { cause });
  }
  console.log(`fuzz ${tally.parser}: ${tally.inputs} inputs, ${tally.values} values, ${tally.errors} typed errors`);
  return tally;
}
