/**
 * @mmada/eval in a browser: scoring, rewards and ShapesWorld (scenes, questions, the text-to-image verifier),
 * none of which touches files. Bundlers pick this file through the `browser` condition of package.json's
 * `exports`; `index.ts` is this surface plus datasets, images and the harness.
 */
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
export { processPunctuation, processDigitArticle, normalizeVqaAnswer, evalAiProcessAnswer } from './scoring/vqa-normalization.js';
export { vqaSoftAccuracy, type VqaAccuracyOptions, type VqaProcessing } from './scoring/vqa-accuracy.js';
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
  generateShapesWorld, shapesWorldContentKey, SHAPESWORLD_VERSION, SHAPESWORLD_TEST_SIZE,
  type ShapesWorldSplit, type ShapesWorldTask, type ShapesWorldOptions, type ShapesWorldRecord,
  type T2IRecord, type UnderstandingRecord, type ReasoningRecord,
} from './shapesworld/shapes-world.js';
