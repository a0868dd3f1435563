import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writePng } from '@mmada/image/node';
import { finalAnswerCorrect, extractFinalAnswer } from '../rewards/unigrpo-reward.js';
import { hasThinkFormat } from '../rewards/think-format.js';
import { renderScene } from '../shapesworld/scene.js';
import type { ReasoningRecord, T2IRecord, UnderstandingRecord } from '../shapesworld/shapes-world.js';
import { verifyT2I } from '../shapesworld/t2i-verifier.js';
import { scoreUnderstanding } from '../shapesworld/understanding.js';
import type { TextModel, TextToImageModel, UnderstandingModel } from './model.js';
import type { EvalTask } from './task.js';

/** ShapesWorld text-to-image: the generated image is checked by the pixel verifier and saved under `images/`. */
export function shapesWorldT2ITask(options: { readonly saveImages?: boolean } = {}): EvalTask<T2IRecord, TextToImageModel> {
  return {
    name: 'shapesworld-t2i',
    id: (r) => r.id,
    category: (r) => r.category,
    async run(model, r, ctx) {
      const image = await model.textToImage(r.prompt.prompt, { steps: ctx.steps });
      let prediction = `${image.width}x${image.height} image`;
      if (options.saveImages ?? true) {
        await mkdir(join(ctx.outDir, 'images'), { recursive: true });
        prediction = `images/${r.id}.png`;
        await writePng(join(ctx.outDir, prediction), image);
      }
      const verdict = verifyT2I(image, r.prompt);
      return { prediction, correct: verdict.correct, info: { prompt: r.prompt.prompt, reasons: verdict.reasons } };
    },
  };
}

/** ShapesWorld understanding: questions about the rendered scene, exact answers. */
export function shapesWorldUnderstandingTask(): EvalTask<UnderstandingRecord, UnderstandingModel> {
  return {
    name: 'shapesworld-understanding',
    id: (r) => r.id,
    category: (r) => r.category,
    async run(model, r, ctx) {
      const prediction = await model.understand(renderScene(r.scene), r.question.question, { steps: ctx.steps });
      return { prediction, correct: scoreUnderstanding(prediction, r.question), info: { gold: r.question.answer } };
    },
  };
}

/** ShapesWorld text reasoning: the final answer after `</think>` must equal the gold; format compliance is recorded. */
export function shapesWorldReasoningTask(): EvalTask<ReasoningRecord, TextModel> {
  return {
    name: 'shapesworld-reasoning',
    id: (r) => r.id,
    category: (r) => `${r.problem.steps}-step`,
    async run(model, r, ctx) {
      const prediction = await model.generate(r.problem.question, { steps: ctx.steps });
      return {
        prediction,
        extracted: extractFinalAnswer(prediction),
        correct: finalAnswerCorrect(prediction, r.problem.answer),
        info: { gold: r.problem.gold, thinkFormat: hasThinkFormat(prediction) },
      };
    },
    aggregate: (records) => ({ thinkFormatRate: records.length ? records.filter((x) => x.info?.thinkFormat === true).length / records.length : 0 }),
  };
}
