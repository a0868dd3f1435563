/**
 * The last `\boxed{…}` (or `\fbox{…}`, or the brace-less `\boxed …` form) in a text, braces balanced,
 * as the MATH / Minerva evaluation code finds it. Returns the whole `\boxed{…}` string, or null.
 */
export function lastBoxedOnlyString(text: string): string | null {
  let idx = text.lastIndexOf('\\boxed');
  if (idx < 0) {
    idx = text.lastIndexOf('\\fbox');
    if (idx < 0) return null;
  }
  // `\boxed 5$`: the brace-less form runs to the next `$`.
  if (text.startsWith('\\boxed ', idx)) {
    return '\\boxed ' + text.slice(idx + '\\boxed '.length).split('$')[0];
  }
  let depth = 0;
  for (let i = idx; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return text.slice(idx, i + 1);
    }
  }
  return null;
}

/** Strips the `\boxed{…}` / `\fbox{…}` / `\boxed ` wrapper; null when `s` is not such a string. */
export function removeBoxed(s: string | null): string | null {
  if (s === null) return null;
  if (s.startsWith('\\boxed ')) return s.slice('\\boxed '.length);
  for (const left of ['\\boxed{', '\\fbox{']) {
    if (s.startsWith(left) && s.endsWith('}')) return s.slice(left.length, -1);
  }
  return null;
}

/** The content of the last `\boxed{…}` in a text (nested braces kept), or null. */
export const lastBoxedContent = (text: string): string | null => removeBoxed(lastBoxedOnlyString(text));
