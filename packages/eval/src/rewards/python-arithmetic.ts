// A safe evaluator for the arithmetic subset of Python that Countdown answers may contain
// (numbers, + - * / // ** and parentheses), with Python's semantics: `/` is true division,
// `//` floors, `**` is right-associative and binds tighter than a unary minus on its left,
// integer literals may not have leading zeros, and dividing by zero is an error.

export class ArithmeticError extends Error {}

type Token = { kind: 'num'; value: number } | { kind: 'op'; value: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|(\d+\.\d*|\.\d+|\d+)|(\*\*|\/\/|[-+*/()])/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new ArithmeticError(`unexpected character ${JSON.stringify(src[pos])} at ${pos}`);
    pos = re.lastIndex;
    if (m[1] !== undefined) {
      if (/^0+\d/.test(m[1]) && !m[1].includes('.') && !/^0+$/.test(m[1])) {
        throw new ArithmeticError(`leading zeros in integer literal ${m[1]}`);
      }
      // A number directly followed by another number (`1.2.3`) is a syntax error in Python.
      if (tokens.at(-1)?.kind === 'num') throw new ArithmeticError('two numbers in a row');
      tokens.push({ kind: 'num', value: Number(m[1]) });
    } else if (m[2] !== undefined) tokens.push({ kind: 'op', value: m[2] });
  }
  return tokens;
}

/** Evaluates a Python arithmetic expression; throws `ArithmeticError` where Python would raise. */
export function evalPythonArithmetic(src: string): number {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const isOp = (v: string) => peek()?.kind === 'op' && peek()!.value === v;

  const expr = (): number => {
    let v = term();
    while (isOp('+') || isOp('-')) {
      const op = tokens[i++].value;
      const r = term();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const term = (): number => {
    let v = unary();
    while (isOp('*') || isOp('/') || isOp('//')) {
      const op = tokens[i++].value;
      const r = unary();
      if (op === '*') v *= r;
      else {
        if (r === 0) throw new ArithmeticError('division by zero');
        v = op === '/' ? v / r : Math.floor(v / r);
      }
    }
    return v;
  };
  const unary = (): number => {
    if (isOp('-')) {
      i++;
      return -unary();
    }
    if (isOp('+')) {
      i++;
      return unary();
    }
    return power();
  };
  const power = (): number => {
    const base = atom();
    if (isOp('**')) {
      i++;
      const exp = unary();
      if (base === 0 && exp < 0) throw new ArithmeticError('zero to a negative power');
      return base ** exp;
    }
    return base;
  };
  const atom = (): number => {
    const t = tokens[i++];
    if (t === undefined) throw new ArithmeticError('unexpected end of expression');
    if (t.kind === 'num') return t.value;
    if (t.value === '(') {
      const v = expr();
      if (!isOp(')')) throw new ArithmeticError('missing )');
      i++;
      return v;
    }
    throw new ArithmeticError(`unexpected ${t.value}`);
  };

  const value = expr();
  if (i !== tokens.length) throw new ArithmeticError(`unexpected ${String(tokens[i].value)}`);
  return value;
}
