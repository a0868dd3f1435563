import type { Gsm8kRecord, Math500Record, MmluRecord } from '../datasets/layouts.js';
import { scoreGsm8k, type Gsm8kScoreOptions } from '../scoring/gsm8k.js';
import { scoreMath } from '../scoring/math-equivalence.js';
import { choiceLetter, scoreMultipleChoice } from '../scoring/multiple-choice.js';
import { type ChoiceScorer, pickByLikelihood } from '../scoring/choice-scorer.js';
import type { TextModel } from './model.js';
import type { EvalTask } from './task.js';

const STEP_BY_STEP = 'Please reason step by step, and put your final answer within \\boxed{}.';

export interface Gsm8kTaskOptions extends Gsm8kScoreOptions {
  readonly prompt?: (item: Gsm8kRecord) => string;
}

/** GSM8K by generation, scored with `scoreGsm8k`. */
export function gsm8kTask(options: Gsm8kTaskOptions = {}): EvalTask<Gsm8kRecord, TextModel> {
  const prompt = options.prompt ?? ((item) => `${item.question}\n${STEP_BY_STEP}`);
  return {
    name: `gsm8k${options.mode && options.mode !== 'chain' ? `-${options.mode}` : ''}`,
    id: (item) => item.id,
    category: () => 'all',
    async run(model, item, ctx) {
      const prediction = await model.generate(prompt(item), { steps: ctx.steps });
      const s = scoreGsm8k(prediction, item.answer, options);
      return { prediction, extracted: s.extracted, correct: s.correct, info: { gold: s.gold } };
    },
  };
}

/** MATH-500 by generation, scored by MATH equivalence of the last `\boxed{}`; broken down by subject. */
export function math500Task(options: { readonly prompt?: (item: Math500Record) => string } = {}): EvalTask<Math500Record, TextModel> {
  const prompt = options.prompt ?? ((item) => `${item.problem}\n${STEP_BY_STEP}`);
  return {
    name: 'math500',
    id: (item) => item.id,
    category: (item) => item.subject ?? 'all',
    async run(model, item, ctx) {
      const prediction = await model.generate(prompt(item), { steps: ctx.steps });
      const s = scoreMath(prediction, item.answer);
      return { prediction, extracted: s.extracted, correct: s.correct, info: { gold: s.gold } };
    },
  };
}

/** The standard multiple-choice prompt: question, lettered options, and an `Answer:` cue. */
export const multipleChoicePrompt = (item: MmluRecord): string =>
  [item.question, ...item.choices.map((c, k) => `${choiceLetter(k)}. ${c}`), 'Answer with the option letter.', 'Answer:'].join('\n');

/** Multiple choice by generation: the letter is read from the output; broken down by subject. */
export function multipleChoiceTask(options: { readonly name?: string } = {}): EvalTask<MmluRecord, TextModel> {
  return {
    name: options.name ?? 'mmlu',
    id: (item) => item.id,
    category: (item) => item.subject ?? 'all',
    async run(model, item, ctx) {
      const prediction = await model.generate(multipleChoicePrompt(item), { steps: ctx.steps });
      const s = scoreMultipleChoice(prediction, item.answer, item.choices.length);
      return { prediction, extracted: s.extracted, correct: s.correct, info: { gold: s.gold } };
    },
  };
}

/** Multiple choice by likelihood: each option's text is scored as a continuation of the question. */
export function likelihoodChoiceTask(options: { readonly name?: string } = {}): EvalTask<MmluRecord, ChoiceScorer> {
  return {
    name: options.name ?? 'mmlu-likelihood',
    id: (item) => item.id,
    category: (item) => item.subject ?? 'all',
    async run(scorer, item) {
      const pick = await pickByLikelihood(scorer, `${item.question}\nAnswer:`, item.choices.map((c) => ` ${c}`));
      return {
        prediction: pick.letter,
        correct: pick.index === item.answer,
        info: { gold: choiceLetter(item.answer), scores: pick.scores },
      };
    },
  };
}
