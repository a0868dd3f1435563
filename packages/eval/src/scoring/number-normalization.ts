/**
 * Canonical form of a numeric answer: drops thousands commas, `$`, surrounding spaces and a trailing
 * period, and writes numbers without trailing zeros (`72.0` → `72`, `-0` → `0`, `1,000.50` → `1000.5`).
 * Text that is not a plain decimal number is returned with only that cleaning applied.
 */
export function normalizeNumber(text: string): string {
  const cleaned = text.replace(/[,$\s]/g, '').replace(/\.$/, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(cleaned)) return cleaned;
  const negative = cleaned.startsWith('-');
  const unsigned = cleaned.replace(/^[+-]/, '');
  let [intPart, fracPart = ''] = unsigned.split('.');
  intPart = intPart.replace(/^0+(?=\d)/, '') || '0';
  fracPart = fracPart.replace(/0+$/, '');
  const body = fracPart ? `${intPart}.${fracPart}` : intPart;
  return negative && body !== '0' ? `-${body}` : body;
}

/** True when both texts are numbers with the same canonical form (exact decimal comparison, no float rounding). */
export function numbersEqual(a: string, b: string): boolean {
  const na = normalizeNumber(a);
  const nb = normalizeNumber(b);
  return isPlainNumber(na) && na === nb;
}

/** True for a canonical plain decimal number such as `-12.5`. */
export const isPlainNumber = (s: string): boolean => /^-?\d+(\.\d+)?$/.test(s);
