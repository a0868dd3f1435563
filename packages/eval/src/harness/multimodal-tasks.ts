import type { PopeRecord, VqaRecord } from '../datasets/layouts.js';
import { popeMetrics } from '../scoring/pope.js';
import { vqaSoftAccuracy } from '../scoring/vqa-accuracy.js';
import { extractYesNo, type YesNo } from '../scoring/yes-no.js';
import type { UnderstandingModel } from './model.js';
import type { EvalTask } from './task.js';

const YES_NO_HINT = '\nAnswer the question using a single word or phrase.';

/** POPE: yes/no questions, scored by keyword extraction; adds precision, recall, F1 and yes-ratio. */
export function popeTask(): EvalTask<PopeRecord, UnderstandingModel> {
  return {
    name: 'pope',
    id: (item) => item.id,
    category: (item) => item.category ?? 'all',
    async run(model, item, ctx) {
      if (!item.image) throw new Error(`POPE item ${item.id} has no image`);
      const prediction = await model.understand(item.image, item.question + YES_NO_HINT, { steps: ctx.steps });
      const extracted = extractYesNo(prediction);
      return { prediction, extracted, correct: extracted === item.answer, info: { gold: item.answer } };
    },
    aggregate(records) {
      const m = popeMetrics(records.map((r) => ({ prediction: (r.extracted ?? null) as YesNo | null, gold: r.info!.gold as YesNo })));
      return { precision: m.precision, recall: m.recall, f1: m.f1, yesRatio: m.yesRatio, unknown: m.unknown };
    },
  };
}

/** VQAv2-style: short answers scored by VQA soft accuracy (the mean score is the VQA accuracy). */
export function vqaTask(): EvalTask<VqaRecord, UnderstandingModel> {
  return {
    name: 'vqav2',
    id: (item) => item.id,
    category: (item) => item.answerType ?? 'all',
    async run(model, item, ctx) {
      if (!item.image) throw new Error(`VQA item ${item.id} has no image`);
      const prediction = await model.understand(item.image, item.question + YES_NO_HINT, { steps: ctx.steps });
      const score = vqaSoftAccuracy(prediction, item.answers);
      return { prediction, correct: score >= 1, score };
    },
  };
}
