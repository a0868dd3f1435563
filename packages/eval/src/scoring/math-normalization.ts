// The answer normalisation of the MATH benchmark (Hendrycks et al., `math_equivalence._strip_string`),
// reproduced step for step, including the cases where the original raises and the caller falls back
// to plain string equality (signalled here by `MathNormalizationError`).

/** Raised where the reference implementation raises; `isMathEquiv` then compares the raw strings. */
export class MathNormalizationError extends Error {}

function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0];
  for (const sub of parts.slice(1)) {
    out += '\\frac';
    if (sub.length === 0) throw new MathNormalizationError('empty \\frac argument');
    if (sub[0] === '{') {
      out += sub;
      continue;
    }
    if (sub.length < 2) return s;
    const a = sub[0];
    const b = sub[1];
    const rest = sub.slice(2);
    out += b !== '{' ? `{${a}}{${b}}${rest}` : `{${a}}${b}${rest}`;
  }
  return out;
}

const CANONICAL_INT = /^-?(0|[1-9]\d*)$/;

function fixASlashB(s: string): string {
  const parts = s.split('/');
  if (parts.length !== 2) return s;
  const [a, b] = parts;
  // Python: int(a), int(b) and `s == f"{a}/{b}"`, i.e. both canonical integers.
  if (!CANONICAL_INT.test(a) || !CANONICAL_INT.test(b) || a === '-0' || b === '-0') return s;
  return `\\frac{${a}}{${b}}`;
}

function removeRightUnits(s: string): string {
  // "\text{ " only ever introduces units in MATH answers.
  if (!s.includes('\\text{ ')) return s;
  const splits = s.split('\\text{ ');
  if (splits.length !== 2) throw new MathNormalizationError('more than one "\\text{ " unit');
  return splits[0];
}

function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const splits = s.split('\\sqrt');
  let out = splits[0];
  for (const split of splits.slice(1)) {
    if (split.length === 0) throw new MathNormalizationError('empty \\sqrt argument');
    out += split[0] !== '{' ? `\\sqrt{${split[0]}}${split.slice(1)}` : `\\sqrt${split}`;
  }
  return out;
}

/**
 * MATH's `_strip_string`: drops line breaks, `\!`, `\left`/`\right`, degrees, `\$`, `\%`, units after
 * `\text{ `, spaces and a short `k =` prefix; rewrites `\dfrac`/`\tfrac` to `\frac`, `\frac12` to
 * `\frac{1}{2}`, `\sqrt2` to `\sqrt{2}`, `a/b` to `\frac{a}{b}`, `0.5` to `\frac{1}{2}` and `.5` to `0.5`.
 * Throws `MathNormalizationError` where the reference raises.
 */
export function stripMathString(input: string): string {
  let s = input.replaceAll('\n', '');
  s = s.replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac').replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '').replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '');
  s = s.replaceAll('\\$', '');
  s = removeRightUnits(s);
  s = s.replaceAll('\\%', '');
  s = s.replaceAll(' .', ' 0.').replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s[0] === '.') s = '0' + s;
  const eq = s.split('=');
  if (eq.length === 2 && eq[0].length <= 2) s = eq[1];
  s = fixSqrt(s);
  s = s.replaceAll(' ', '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  return fixASlashB(s);
}
