/**
 * A config.json that cannot be used, in words a user can act on: which file, which key, what was expected
 * and what was found (`config.json: key "d_model": expected a positive integer, got "4096"`).
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly key: string | undefined,
    readonly expected: string,
    readonly got?: unknown,
  ) {
    super(`${file}: ${key !== undefined ? `key ${JSON.stringify(key)}: ` : ''}${expected}${got === undefined ? '' : `, got ${describeValue(got)}`}`);
  }
}

function describeValue(v: unknown): string {
  if (v === MISSING) return 'nothing (the key is missing)';
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

/** Marks a key that is absent from the file (as opposed to present with the value undefined/null). */
export const MISSING: unique symbol = Symbol('missing');
