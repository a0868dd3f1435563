/** Parsers for flag values: each returns the value or a UsageError naming the flag and what it expected. */
import * as E from 'fp-ts/lib/Either.js';
import { UsageError } from './usage-error.js';

/** An integer flag in [min, max] (max defaults to the largest exact integer, so 10^18 is refused, not rounded). */
export function integerFlag(flag: string, text: string | undefined, fallback: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): E.Either<UsageError, number> {
  if (text === undefined) return fallback === undefined ? E.left(new UsageError(`--${flag} is required`)) : E.right(fallback);
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n >= min && /^-?\d+$/.test(text.trim()))) return E.left(new UsageError(`--${flag} expects an integer ≥ ${min}, got ${JSON.stringify(text)}`));
  return n > max ? E.left(new UsageError(`--${flag} is at most ${max}, got ${text.trim()}`)) : E.right(n);
}

export function numberFlag(flag: string, text: string | undefined, fallback: number): E.Either<UsageError, number> {
  if (text === undefined) return E.right(fallback);
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && n >= 0 ? E.right(n) : E.left(new UsageError(`--${flag} expects a number ≥ 0, got ${JSON.stringify(text)}`));
}

export function choiceFlag<T extends string>(flag: string, text: string | undefined, choices: readonly T[], fallback: T): E.Either<UsageError, T> {
  if (text === undefined) return E.right(fallback);
  return (choices as readonly string[]).includes(text) ? E.right(text as T) : E.left(new UsageError(`--${flag} expects one of ${choices.join(', ')}, got ${JSON.stringify(text)}`));
}

/** "1,2,3" → [1, 2, 3] (spaces allowed; every entry a non-negative integer). */
export function idListFlag(flag: string, text: string): E.Either<UsageError, number[]> {
  const parts = text.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  const bad = parts.findIndex((p, i) => !/^\d+$/.test(p) || !Number.isSafeInteger(ids[i]));
  if (text.trim() === '' || bad >= 0) return E.left(new UsageError(`--${flag} expects comma-separated non-negative integers like 1,2,3${bad >= 0 ? `; entry ${bad + 1} is ${JSON.stringify(parts[bad])}` : ''}`));
  return E.right(ids);
}
