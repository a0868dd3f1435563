/**
 * The main job's demonstration of a trained model (`mmada demo`): the held-out scores of every task family
 * (whose first items supply the reasoning answer and the images shown), one held-out arithmetic question with its
 * `<think>` trace, questions about a held-out ShapesWorld image, images drawn for held-out prompts (PNG files
 * and a contact sheet), one inpainted image cell, the held-out scores of every task family, charts of the
 * scores and of the model's training curves (SVG + PNG), and an HTML report with all of it inline.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import {
  createRng, generateQuestion, generateShapesWorld, renderScene, scoreUnderstanding, answerAfterThink, UNDERSTANDING_CATEGORIES, verifyT2I, writePng,
  type RgbImage,
} from '@mmada/eval';
import { codesToImages, imageCodes, inpaintImage, loadImageTokenizer, loadModel, loadTextTokenizer, disposeModel, type MaskPredictorModel } from '@mmada/mmada';
import { foldIn, key, writeFileAtomic, type DeviceName } from '@mmada/tensor';
import { answerAboutImages, drawImages, evaluateRecipeModelWithOutputs, RECIPE_SAMPLING, scoresTable, type RecipeSampling, type RecipeScores } from './recipe-eval.js';
import { readRecordedSampling } from './recorded-sampling.js';
import { contactSheet, greyCell, tokensOfCell, upscaleNearest } from './image-sheet.js';
import { writeDemoCharts, type DemoChart } from './demo-charts.js';
import { captionedSheetSvg } from './captioned-sheet.js';
import { svgToPng } from '@mmada/charts/png';
import { demoReportHtml } from './demo-report.js';
import { T2I_MAX_SEQ_LENGTH } from './stage-data.js';

export interface DemoOptions {
  readonly model: string;
  readonly out: string;
  readonly device: DeviceName;
  /** Held-out items scored per task family (default 100). */
  readonly count?: number;
  /** Prompts drawn for the contact sheet (default 12: two per GenEval category). */
  readonly images?: number;
  /** The model writes a plan before drawing (stage-2 models; default true). */
  readonly planFirst?: boolean;
  readonly seed?: number;
  /** How items are sampled (default: what the model directory's recipe.json records, else RECIPE_SAMPLING). */
  readonly sampling?: RecipeSampling;
  readonly log?: (line: string) => void;
}

export interface DemoResult {
  readonly reasoning: { question: string; reference: string; answer: string };
  readonly understanding: { image: string; qa: { question: string; gold: string; answer: string; correct: boolean }[] };
  readonly t2i: { prompt: string; plan?: string; image: string; correct: boolean; reasons: readonly string[] }[];
  readonly contactSheet: string;
  readonly inpainting: { prompt: string; original: string; masked: string; inpainted: string; cell: string; correct: boolean };
  readonly scores: RecipeScores;
  /** Held-out accuracy and the training curves of the model directory (SVG + PNG under charts/). */
  readonly charts: readonly DemoChart[];
  readonly table: string;
  readonly seconds: number;
  /** The sampling every item was drawn with. */
  readonly sampling: RecipeSampling;
}

const must = <A>(e: E.Either<Error, A>, what: string): A => {
  if (E.isLeft(e)) throw new Error(`${what}: ${e.left.message}`);
  return e.right;
};

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const seed = o.seed ?? 0;
  const planFirst = o.planFirst ?? true;
  const sampling: RecipeSampling = o.sampling ?? { ...RECIPE_SAMPLING, ...(await readRecordedSampling(o.model)) };
  const tok = must(await loadTextTokenizer(o.model)(), 'text tokenizer');
  const vq = must(await loadImageTokenizer(join(o.model, 'vq'), { device: o.device })(), 'image tokenizer');
  const model: MaskPredictorModel = must(await loadModel(o.model, { device: o.device })(), 'model');
  const imagesDir = join(o.out, 'images');
  await mkdir(imagesDir, { recursive: true });
  const save = async (name: string, img: RgbImage, scale = 4) => {
    await writePng(join(imagesDir, name), upscaleNearest(img, scale));
    return `images/${name}`;
  };
  try {
    // The scores come first: the demonstration's reasoning answer and images are items of the same run.
    const count = o.count ?? 100;
    log(`== held-out scores (${count} items per task family)`);
    const { scores, outputs } = await evaluateRecipeModelWithOutputs(model, tok, vq, {
      count, planFirst, seed, sampling,
      onProgress: (family, done, total) => log(`  ${family} ${done}/${total}`),
    });

    log('== 1 a held-out arithmetic question');
    const [r] = generateShapesWorld('reasoning', { split: 'test', count: 1 });
    const reasoning = { question: r!.problem.question, reference: r!.problem.completion, answer: outputs.reasoning[0]! };
    log(`question:  ${reasoning.question}\nreference: ${reasoning.reference}\nmodel:     ${reasoning.answer}`);

    log('== 2 questions about a held-out image');
    const [u] = generateShapesWorld('understanding', { split: 'test', count: 1 });
    const scene = u!.scene;
    const rng = createRng(seed + 17);
    const questions = [u!.question, ...UNDERSTANDING_CATEGORIES.filter((c) => c !== u!.question.category).map((c) => generateQuestion(rng, scene, c))];
    const sceneImage = renderScene(scene);
    const answers = await answerAboutImages(model, tok, vq, questions.map(() => sceneImage), questions.map((q) => q.question), seed, sampling);
    const qa = questions.map((q, i) => ({ question: q.question, gold: q.answer, answer: answers[i]!, correct: scoreUnderstanding(answerAfterThink(answers[i]!), q) }));
    for (const x of qa) log(`${x.question}  →  ${x.answer}   (gold ${x.gold}${x.correct ? ', correct' : ''})`);
    const understanding = { image: await save('understanding-scene.png', sceneImage), qa };

    log('== 3 images for held-out prompts');
    const prompts = generateShapesWorld('t2i', { split: 'test', count: o.images ?? 12 });
    const reused = outputs.t2i.slice(0, prompts.length);
    const extra = prompts.length > reused.length ? await drawImages(model, tok, vq, prompts.slice(reused.length).map((p) => p.prompt.prompt), { planFirst, seed, sampling }) : undefined;
    const drawn = prompts.map((p, i) => {
      if (i < reused.length) return reused[i]!;
      const image = extra!.images[i - reused.length]!;
      const verdict = verifyT2I(image, p.prompt);
      return { image, plan: extra!.plans[i - reused.length], correct: verdict.correct, reasons: verdict.reasons };
    });
    const t2i = [];
    for (let i = 0; i < prompts.length; i++) {
      const d = drawn[i]!;
      t2i.push({ prompt: prompts[i]!.prompt.prompt, plan: d.plan, image: await save(`t2i-${i}.png`, d.image), correct: d.correct, reasons: d.reasons });
      log(`${d.correct ? 'pass' : 'fail'}  ${prompts[i]!.prompt.prompt}${d.plan ? `  ${d.plan}` : ''}`);
    }
    // prompt and verdict under each image (SVG, and its PNG where the renderer is installed; else the bare grid)
    const sheet = captionedSheetSvg(drawn.map((d, i) => ({ image: d.image, caption: prompts[i]!.prompt.prompt, pass: d.correct })), { columns: 6 });
    await writeFileAtomic(join(o.out, 'contact-sheet.svg'), sheet);
    const sheetPng = await svgToPng(sheet);
    if (sheetPng) await writeFileAtomic(join(o.out, 'contact-sheet.png'), sheetPng);
    else await writePng(join(o.out, 'contact-sheet.png'), contactSheet(drawn.map((d) => upscaleNearest(d.image, 4)), 6));

    log('== 4 inpainting one cell of a held-out image');
    const target = prompts[0]!;
    const reference = renderScene(target.scene);
    const [codes] = await imageCodes(vq, [reference], { resolution: reference.width });
    const obj = target.scene.objects[0]!;
    const masked = new Set(tokensOfCell(codes!.length, 2, obj.row, obj.col));
    const known = codes!.map((c, i) => (masked.has(i) ? null : c));
    const inpainted = await inpaintImage(model, tok, target.prompt.prompt, known, foldIn(key(seed), 4), {
      maxSeqLength: T2I_MAX_SEQ_LENGTH, steps: Math.max(4, masked.size), temperature: 0, guidanceScale: sampling.guidanceScale ?? 0,
    });
    const [filled] = await codesToImages(vq, inpainted.codes);
    const inpainting = {
      prompt: target.prompt.prompt,
      original: await save('inpaint-original.png', reference),
      masked: await save('inpaint-masked.png', greyCell(reference, 2, obj.row, obj.col)),
      inpainted: await save('inpaint-result.png', filled!),
      cell: `row ${obj.row}, column ${obj.col}`,
      correct: verifyT2I(filled!, target.prompt).correct,
    };
    log(`regenerated the cell at ${inpainting.cell} of "${inpainting.prompt}": ${inpainting.correct ? 'the verifier accepts the result' : 'the verifier rejects the result'}`);

    log('== 5 held-out scores');
    const table = scoresTable([{ stage: 'shipped', scores }]);
    log(table);
    log('== 6 charts');
    const charts = await writeDemoCharts(o.model, o.out, scores);
    log(charts.map((c) => `${c.svg}${c.png ? `, ${c.png}` : ''}`).join('\n'));
    const result: DemoResult = {
      reasoning, understanding, t2i, contactSheet: 'contact-sheet.png', inpainting, scores, charts, table, seconds: (performance.now() - t0) / 1000, sampling,
    };
    await writeFileAtomic(join(o.out, 'scores.json'), `${JSON.stringify(scores, null, 2)}\n`);
    await writeFileAtomic(join(o.out, 'report.html'), await demoReportHtml(result, o.out, o.model));
    log(`== 7 report: ${join(o.out, 'report.html')}`);
    return result;
  } finally {
    disposeModel(model);
  }
}
