import type { Rng } from './prng.js';

/** An arithmetic word problem with its worked solution. */
export interface ReasoningProblem {
  readonly question: string;
  /** A completion in the unified format: `<think>steps</think> final answer`. */
  readonly completion: string;
  /** GSM8K-style solution: steps with `<<a+b=c>>` annotations, then `#### N`. */
  readonly answer: string;
  readonly gold: string;
  /** Number of arithmetic steps. */
  readonly steps: number;
}

interface Step {
  readonly text: string;
  readonly expr: string;
  readonly value: number;
}

const NAMES = ['Ada', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jia'];
const ITEMS = ['apples', 'marbles', 'stickers', 'pencils', 'cookies', 'stamps', 'shells', 'cards'];

const step = (text: string, a: number, op: '+' | '-' | '*' | '/', b: number): Step => {
  const value = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  const expr = `${a}${op}${b}`;
  return { text, expr, value };
};

const between = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);

/** One of four problem templates with exact integer steps (no negative results, divisions exact). */
export function generateReasoningProblem(rng: Rng): ReasoningProblem {
  const name = rng.pick(NAMES);
  const item = rng.pick(ITEMS);
  const template = rng.int(4);
  let question: string;
  let steps: Step[];
  if (template === 0) {
    const a = between(rng, 5, 40), b = between(rng, 2, 30);
    const c = between(rng, 1, a + b);
    question = `${name} has ${a} ${item}. ${name} gets ${b} more and then gives ${c} away. How many ${item} does ${name} have now?`;
    const s1 = step(`After getting ${b} more, ${name} has`, a, '+', b);
    steps = [s1, step(`After giving ${c} away, ${name} has`, s1.value, '-', c)];
  } else if (template === 1) {
    const a = between(rng, 2, 9), b = between(rng, 2, 12);
    const c = between(rng, 0, a * b);
    question = `${name} buys ${a} bags of ${item} with ${b} ${item} in each bag, then uses ${c} of them. How many ${item} are left?`;
    const s1 = step(`${a} bags of ${b} make`, a, '*', b);
    steps = [s1, step(`After using ${c}, there are`, s1.value, '-', c)];
  } else if (template === 2) {
    const friends = between(rng, 2, 8), each = between(rng, 2, 12), extra = between(rng, 1, 9);
    const total = friends * each;
    question = `${name} shares ${total} ${item} equally among ${friends} friends. Each friend then finds ${extra} more. How many ${item} does each friend have?`;
    const s1 = step(`Each friend first gets`, total, '/', friends);
    steps = [s1, step(`With ${extra} more, each friend has`, s1.value, '+', extra)];
  } else {
    const price = between(rng, 2, 9), count = between(rng, 2, 9), bonus = between(rng, 1, 5);
    const paid = price * count + between(rng, 0, 20);
    question = `${item[0].toUpperCase() + item.slice(1)} cost $${price} each. ${name} buys ${count} of them and pays $${paid}, then gets ${bonus} more ${item} for free. How much change does ${name} get, in dollars?`;
    const s1 = step(`${count} ${item} at $${price} cost`, count, '*', price);
    const s2 = step(`The change from $${paid} is`, paid, '-', s1.value);
    steps = [s1, s2];
  }
  const gold = String(steps[steps.length - 1].value);
  const think = steps.map((s) => `${s.text} ${s.expr.replace(/([+\-*/])/, ' $1 ')} = ${s.value}.`).join(' ');
  const answer = [...steps.map((s) => `${s.text} ${s.expr} = <<${s.expr}=${s.value}>>${s.value}.`), `#### ${gold}`].join('\n');
  return { question, completion: `<think>${think}</think> The answer is ${gold}.`, answer, gold, steps: steps.length };
}
