import { describe, expect, it } from 'vitest';
import { numTransfer } from '../src/index.js';

describe('numTransfer', () => {
  it('splits 32 tokens over 10 steps as 4,4,3,…', () => {
    expect(numTransfer(32, 10)).toEqual([4, 4, 3, 3, 3, 3, 3, 3, 3, 3]);
  });
  it('gives whole blocks evenly and zeros when there are more steps than tokens', () => {
    expect(numTransfer(32, 4)).toEqual([8, 8, 8, 8]);
    expect(numTransfer(3, 5)).toEqual([1, 1, 1, 0, 0]);
    expect(numTransfer(0, 2)).toEqual([0, 0]);
  });
  it('rejects non-integers', () => {
    expect(() => numTransfer(3, 0)).toThrow(/steps/);
    expect(() => numTransfer(2.5, 2)).toThrow(/n must/);
  });
});
