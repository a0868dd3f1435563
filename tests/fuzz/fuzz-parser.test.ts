// The fuzz contract itself: it fails on an escaping TypeError, a hang, and a memory spike, and tallies outcomes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParser, typedError, type Outcome } from './fuzz-parser.js';
import { damagedBytes, damagedJson } from './mutations.js';

class ParseError extends Error {}

describe('fuzzParser', () => {
  it('tallies values and typed errors', async () => {
    const tally = await fuzzParser({
      parser: 'even',
      inputs: fc.integer(),
      run: (n) => (n % 2 === 0 ? 'value' : typedError(new ParseError(`${n} is odd`), ParseError)),
      numRuns: 200,
    });
    expect(tally.inputs).toBe(200);
    expect(tally.values + tally.errors).toBe(200);
    expect(tally.values).toBeGreaterThan(0);
    expect(tally.errors).toBeGreaterThan(0);
  });

  it('fails when a TypeError escapes, or an error of another type is returned as typed', async () => {
    await expect(fuzzParser({ parser: 'crashy', inputs: fc.integer(), run: (n): Outcome => (n > 10 ? (null as unknown as { parse(): Outcome }).parse() : 'value'), numRuns: 100 })).rejects.toThrow(/TypeError|Cannot read/);
    await expect(fuzzParser({ parser: 'untyped', inputs: fc.constant(1), run: () => typedError(new RangeError('bad'), ParseError), numRuns: 5 })).rejects.toThrow(/bad/);
    await expect(fuzzParser({ parser: 'silent', inputs: fc.constant(1), run: () => typedError(new ParseError(' '), ParseError), numRuns: 5 })).rejects.toThrow(/without a message/);
  });

  it('fails on an input that never answers, at the time bound', async () => {
    await expect(fuzzParser({ parser: 'hang', inputs: fc.constant(0), run: () => new Promise(() => {}), numRuns: 1, timeBoundMs: 200 })).rejects.toThrow(/hang: no answer within 200 ms/);
  });

  it('fails on an input that raises peak memory past the bound', async () => {
    const run = () => {
      const big = new Uint8Array(160 * 2 ** 20).fill(1); // touched, so resident
      return big[big.length - 1] === 1 ? 'value' : 'error';
    };
    await expect(fuzzParser({ parser: 'greedy', inputs: fc.constant(0), run, numRuns: 1, memoryBoundBytes: 64 * 2 ** 20 })).rejects.toThrow(/greedy: raised peak memory by \d+ MiB, over the 64 MiB bound/);
  });
});

describe('mutations', () => {
  it('damage bytes and JSON reproducibly, and never return the base unchanged as text when cut', () => {
    const base = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const a = fc.sample(damagedBytes([base]), { numRuns: 50, seed: 1 });
    const b = fc.sample(damagedBytes([base]), { numRuns: 50, seed: 1 });
    expect(a).toEqual(b);
    expect(a.some((x) => x.byteLength !== 8 || x.some((v, i) => v !== base[i]))).toBe(true);
    const texts = fc.sample(damagedJson({ a: 1, b: [2, 3], c: { d: 'e' } }), { numRuns: 100, seed: 2 });
    expect(texts.some((t) => t.includes('"a":1,"a":1'))).toBe(true); // a key given twice
    expect(texts.some((t) => { try { JSON.parse(t); return false; } catch { return true; } })).toBe(true); // cut short
  });
});
