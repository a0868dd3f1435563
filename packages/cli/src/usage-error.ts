/** A command line that cannot run: unknown flag, missing or malformed value. Exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
