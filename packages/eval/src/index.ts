// Scoring: answer extraction and metrics
export { normalizeNumber, numbersEqual, isPlainNumber } from './scoring/number-normalization.js';
export {
  gsm8kGold, extractGsm8kStrict, extractGsm8kFlexible, extractGsm8kAnswer, lastNumber, lmEvalGsm8kNormalize, scoreGsm8k,
  type Gsm8kMode, type Gsm8kScoreOptions, type Gsm8kScore,
} from './scoring/gsm8k.js';
export { lastBoxedOnlyString, removeBoxed, lastBoxedContent } from './scoring/boxed.js';
export { stripMathString, MathNormalizationError } from './scoring/math-normalization.js';
export { isMathEquiv, scoreMath, type MathScore } from './scoring/math-equivalence.js';
export { choiceLetter, choiceIndex, extractChoiceLetter, scoreMultipleChoice, type ChoiceScore } from './scoring/multiple-choice.js';
export { pickByLikelihood, type ChoiceScorer, type LikelihoodPick } from './scoring/choice-scorer.js';
export { extractYesNo, extractYesNoPope, type YesNo } from './scoring/yes-no.js';
export { popeMetrics, type PopeMetrics } from './scoring/pope.js';
export { processPunctuation, processDigitArticle, normalizeVqaAnswer } from './scoring/vqa-normalization.js';
export { vqaSoftAccuracy, type VqaAccuracyOptions } from './scoring/vqa-accuracy.js';
export { normalizeGqaAnswer, gqaExactMatch } from './scoring/gqa.js';
export {
  parseMmeAnswer, mmeScores, MME_PERCEPTION, MME_COGNITION,
  type MmeLabel, type MmeItem, type MmeSubtaskScore, type MmeScores,
} from './scoring/mme.js';
export { pyLen, pyCount, pyIsDigit, textAfterLast } from './scoring/python-compat.js';

// Rewards (used by @mmada/rl)
export { hasThinkFormat, answerAfterThink } from './rewards/think-format.js';
export {
  unigrpoReward, extractFinalAnswer, finalAnswerCorrect, type UnigrpoRewardOptions, type RewardBreakdown,
} from './rewards/unigrpo-reward.js';
export {
  extractXmlAnswer, extractHashAnswer, d1CorrectnessReward, d1IntReward, d1StrictFormatReward, d1SoftFormatReward,
  d1XmlCountReward, d1Gsm8kReward, type D1FormatOptions, type D1IntOptions, type D1Gsm8kRewardOptions,
} from './rewards/d1-gsm8k-rewards.js';
export { countdownReward, lastAnswerTag, type CountdownProblem } from './rewards/countdown-reward.js';
export { evalPythonArithmetic, ArithmeticError } from './rewards/python-arithmetic.js';
export { sudokuReward } from './rewards/sudoku-reward.js';
export { d1MathCorrectnessReward, d1MathFormatReward, type D1MathFormatOptions } from './rewards/d1-math-rewards.js';

// Datasets
export { formatDatasetError, DatasetReadError, type DatasetError } from './datasets/dataset-error.js';
export type { RawRow } from './datasets/raw-row.js';
export { readJsonlRows } from './datasets/jsonl-rows.js';
export { readParquetRows } from './datasets/parquet-rows.js';
export { readRows } from './datasets/read-rows.js';
export { RowReader, FieldError, type ImageRef } from './datasets/row-reader.js';
export {
  gsm8kLayout, math500Layout, mmluLayout, popeLayout, vqaLayout, gqaLayout, mmeLayout,
  type DatasetLayout, type Gsm8kRecord, type Math500Record, type MmluRecord, type PopeRecord, type VqaRecord,
  type GqaRecord, type MmeRecord,
} from './datasets/layouts.js';
export { readDataset, loadDataset, readDatasetOrThrow } from './datasets/read-dataset.js';

// Images
// (the PNG codec lives in @mmada/tensor; re-exported here so existing imports keep working)
export { createImage, getPixel, setPixel, crc32, encodePng, decodePng, writePng, readPng, type RgbImage, type Rgb } from '@mmada/tensor';

// ShapesWorld
export { createRng, hashSeed, type Rng } from './shapesworld/prng.js';
export { COLORS, COLOR_NAMES, BACKGROUND, nearestColor, type ColorName } from './shapesworld/palette.js';
export { SHAPES, plural, shapeMask, type ShapeKind } from './shapesworld/shapes.js';
export {
  sceneGeometry, objectBox, renderScene, cellName,
  type CanvasSize, type SceneObject, type Scene, type Box, type SceneGeometry,
} from './shapesworld/scene.js';
export { detectObjects, type DetectedObject, type SegmentationOptions } from './shapesworld/segmentation.js';
export { relativePosition, RELATIONS, type Relation } from './shapesworld/relations.js';
export {
  generateT2IPrompt, T2I_CATEGORIES, type T2ICategory, type T2IPrompt, type ShapeRequirement,
} from './shapesworld/t2i-prompt.js';
export { verifyT2I, type T2IVerdict } from './shapesworld/t2i-verifier.js';
export {
  randomScene, generateQuestion, scoreUnderstanding, UNDERSTANDING_CATEGORIES,
  type UnderstandingCategory, type UnderstandingQuestion,
} from './shapesworld/understanding.js';
export { generateReasoningProblem, type ReasoningProblem } from './shapesworld/reasoning.js';
export {
  generateShapesWorld, SHAPESWORLD_VERSION, SHAPESWORLD_TEST_SIZE,
  type ShapesWorldSplit, type ShapesWorldTask, type ShapesWorldOptions, type ShapesWorldRecord,
  type T2IRecord, type UnderstandingRecord, type ReasoningRecord,
} from './shapesworld/shapes-world.js';
export { writeShapesWorld } from './shapesworld/write-shapes-world.js';

// Harness
export type { GenerationOptions, TextModel, UnderstandingModel, TextToImageModel, ImageInput } from './harness/model.js';
export type { EvalTask, ItemOutcome, PredictionRecord, TaskContext } from './harness/task.js';
export { ProgressTracker, formatProgress, stderrProgress, type Progress } from './harness/progress.js';
export { writeFileAtomic, appendPrediction, readPredictions } from './harness/files.js';
export { summarize, summaryMarkdown, type EvalSummary, type CategorySummary } from './harness/summary.js';
export { barChartSvg, lineChartSvg, type Bar, type Series } from './harness/svg-charts.js';
export { evaluate, runFiles, type EvaluateOptions } from './harness/evaluate.js';
export { sweepSteps, type SweepPoint } from './harness/sweep-steps.js';
export { gsm8kTask, math500Task, multipleChoiceTask, likelihoodChoiceTask, multipleChoicePrompt, type Gsm8kTaskOptions } from './harness/text-tasks.js';
export { popeTask, vqaTask } from './harness/multimodal-tasks.js';
export { shapesWorldT2ITask, shapesWorldUnderstandingTask, shapesWorldReasoningTask } from './harness/shapes-world-tasks.js';
