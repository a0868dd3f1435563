// Small helpers that reproduce Python string semantics where upstream scorers depend on them.

/** Python `len(s)`: counts code points, not UTF-16 units. */
export const pyLen = (s: string): number => [...s].length;

/** Python `str.count(sub)`: non-overlapping occurrences. */
export const pyCount = (s: string, sub: string): number => s.split(sub).length - 1;

/** Python `s.split(sep)[-1]`: the text after the last `sep`, or all of `s` when absent. */
export const textAfterLast = (s: string, sep: string): string => {
  const i = s.lastIndexOf(sep);
  return i < 0 ? s : s.slice(i + sep.length);
};

const SUPERSCRIPT_AND_SUBSCRIPT_DIGITS = /[\u00B2\u00B3\u00B9\u2070\u2074-\u2079\u2080-\u2089]/u;

/**
 * Python `str.isdigit()`: non-empty and every character a digit. Python counts decimal digits of any
 * script and the super/subscript digits (Numeric_Type=Digit) too.
 */
export const pyIsDigit = (s: string): boolean =>
  s.length > 0 && [...s].every((c) => /\p{Nd}/u.test(c) || SUPERSCRIPT_AND_SUBSCRIPT_DIGITS.test(c));
