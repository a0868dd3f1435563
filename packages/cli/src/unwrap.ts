import * as E from 'fp-ts/lib/Either.js';

/** The value of a Right; throws the Left (a UsageError or another Error that run-cli turns into an exit code). */
export function unwrap<T>(x: E.Either<Error, T>): T {
  if (E.isLeft(x)) throw x.left;
  return x.right;
}
