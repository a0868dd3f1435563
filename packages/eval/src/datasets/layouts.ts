// The standard public layouts of the evaluation datasets, as typed records.
import { gsm8kGold } from '../scoring/gsm8k.js';
import { choiceIndex } from '../scoring/multiple-choice.js';
import { FieldError, type ImageRef, RowReader } from './row-reader.js';

/** How to turn one raw row into a typed record; `decode` throws `FieldError` on a malformed row. */
export interface DatasetLayout<T> {
  readonly name: string;
  decode(row: RowReader): T;
}

export interface Gsm8kRecord {
  readonly id: string;
  readonly question: string;
  /** The full solution text ending in `#### N`. */
  readonly answer: string;
  /** The text after `####`. */
  readonly gold: string;
}

/** GSM8K (`openai/gsm8k`): `question`, `answer` with a `#### N` gold. */
export const gsm8kLayout: DatasetLayout<Gsm8kRecord> = {
  name: 'gsm8k',
  decode(r) {
    const answer = r.string('answer');
    if (!answer.includes('####')) throw new FieldError('answer', 'no "#### N" gold answer in the solution');
    return { id: r.id('id'), question: r.string('question'), answer, gold: gsm8kGold(answer) };
  },
};

export interface Math500Record {
  readonly id: string;
  readonly problem: string;
  readonly answer: string;
  readonly solution?: string;
  readonly subject?: string;
  readonly level?: number;
}

/** MATH-500 (`HuggingFaceH4/MATH-500`): `problem`, `answer`, optional `solution`, `subject`, `level`, `unique_id`. */
export const math500Layout: DatasetLayout<Math500Record> = {
  name: 'math500',
  decode(r) {
    return {
      id: r.id('unique_id', 'id'),
      problem: r.string('problem'),
      answer: r.stringOrNumber('answer'),
      ...(r.has('solution') && { solution: r.string('solution') }),
      ...(r.has('subject') && { subject: r.string('subject') }),
      ...(r.has('level') && { level: r.integer('level') }),
    };
  },
};

export interface MmluRecord {
  readonly id: string;
  readonly question: string;
  readonly choices: readonly string[];
  /** 0-based index of the correct choice. */
  readonly answer: number;
  readonly subject?: string;
}

/** MMLU (`cais/mmlu`) and other multiple-choice sets: `question`, `choices`, `answer` as an index or a letter. */
export const mmluLayout: DatasetLayout<MmluRecord> = {
  name: 'mmlu',
  decode(r) {
    const choices = r.stringArray('choices');
    if (choices.length < 2) throw new FieldError('choices', `expected at least 2 choices, got ${choices.length}`);
    const raw = r.value.answer;
    const answer = typeof raw === 'string' && /^[A-Z]$/.test(raw.trim()) ? choiceIndex(raw.trim()) : r.integer('answer');
    if (answer < 0 || answer >= choices.length) {
      throw new FieldError('answer', `choice index ${answer} out of range for ${choices.length} choices`);
    }
    return { id: r.id('id'), question: r.string('question'), choices, answer, ...(r.has('subject') && { subject: r.string('subject') }) };
  },
};

export interface PopeRecord {
  readonly id: string;
  readonly question: string;
  readonly answer: 'yes' | 'no';
  /** `adversarial`, `popular` or `random`. */
  readonly category?: string;
  readonly imageSource?: string;
  readonly image?: ImageRef;
}

/** POPE (`lmms-lab/POPE`): `question_id`, `question`, `answer`, `category`, `image_source`, `image`. */
export const popeLayout: DatasetLayout<PopeRecord> = {
  name: 'pope',
  decode(r) {
    const image = r.optionalImage('image');
    return {
      id: r.id('question_id', 'id'),
      question: r.string('question'),
      answer: r.yesNo('answer'),
      ...(r.has('category') && { category: r.string('category') }),
      ...(r.has('image_source') && { imageSource: r.string('image_source') }),
      ...(image && { image }),
    };
  },
};

export interface VqaRecord {
  readonly id: string;
  readonly question: string;
  /** The human answers (10 in VQAv2). */
  readonly answers: readonly string[];
  readonly answerType?: string;
  readonly image?: ImageRef;
}

/** VQAv2-style (`lmms-lab/VQAv2`): `question_id`, `question`, `answers` as strings or `{ answer }` objects, `answer_type`, `image`. */
export const vqaLayout: DatasetLayout<VqaRecord> = {
  name: 'vqa',
  decode(r) {
    const raw = r.value.answers;
    if (!Array.isArray(raw)) throw new FieldError('answers', raw === undefined ? 'missing' : 'expected a list of answers');
    if (raw.length === 0) throw new FieldError('answers', 'expected at least one answer');
    const answers = raw.map((a, k) => {
      if (typeof a === 'string') return a;
      if (a !== null && typeof a === 'object' && typeof (a as { answer?: unknown }).answer === 'string') return (a as { answer: string }).answer;
      throw new FieldError(`answers[${k}]`, 'expected a string or an object with a string "answer"');
    });
    const image = r.optionalImage('image');
    return {
      id: r.id('question_id', 'id'),
      question: r.string('question'),
      answers,
      ...(r.has('answer_type') && { answerType: r.string('answer_type') }),
      ...(image && { image }),
    };
  },
};

export interface GqaRecord {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
  readonly image?: ImageRef;
}

/** GQA-style: `id` / `question_id`, `question`, `answer`, optional `image` / `imageId`. */
export const gqaLayout: DatasetLayout<GqaRecord> = {
  name: 'gqa',
  decode(r) {
    const image = r.optionalImage('image') ?? (r.has('imageId') ? { path: r.stringOrNumber('imageId') } : undefined);
    return { id: r.id('question_id', 'id'), question: r.string('question'), answer: r.string('answer'), ...(image && { image }) };
  },
};

export interface MmeRecord {
  readonly id: string;
  /** The image the question pair is about (`question_id` in `lmms-lab/MME`). */
  readonly imageId: string;
  readonly question: string;
  readonly answer: 'yes' | 'no';
  /** The subtask, e.g. `existence`. */
  readonly category: string;
  readonly image?: ImageRef;
}

/** MME (`lmms-lab/MME`): `question_id` (the image), `question`, `answer`, `category`, `image`. */
export const mmeLayout: DatasetLayout<MmeRecord> = {
  name: 'mme',
  decode(r) {
    const imageId = r.stringOrNumber('question_id');
    const image = r.optionalImage('image');
    return {
      id: `${imageId}#${r.row}`,
      imageId,
      question: r.string('question'),
      answer: r.yesNo('answer'),
      category: r.string('category'),
      ...(image && { image }),
    };
  },
};
