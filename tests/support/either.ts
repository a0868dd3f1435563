import * as E from 'fp-ts/lib/Either.js';
import { expect } from 'vitest';

/** Runs a TaskEither and returns its Right; a Left is thrown, so the test fails with its message. */
export async function right<L, T>(te: () => Promise<E.Either<L, T>>): Promise<T> {
  const r = await te();
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

/** Runs a TaskEither and returns its Left, failing on a Right (and, given `type`, on a Left of another class). */
export async function left<L, T>(te: () => Promise<E.Either<L, T>>, type?: abstract new (...args: never[]) => L): Promise<L> {
  const r = await te();
  if (E.isRight(r)) throw new Error('expected a Left');
  if (type) expect(r.left).toBeInstanceOf(type);
  return r.left;
}
