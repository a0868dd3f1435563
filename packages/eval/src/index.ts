// The public surface: the browser-safe surface (browser.ts) plus datasets, images and the harness.
export * from './browser.js';

// Datasets
export { formatDatasetError, DatasetReadError, type DatasetError } from './datasets/dataset-error.js';
export type { RawRow } from './datasets/raw-row.js';
export { readJsonlRows } from './datasets/jsonl-rows.js';
export { readParquetRows, type ReadParquetOptions } from './datasets/parquet-rows.js';
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
export { createImage, getPixel, setPixel, encodePng, decodePng, type RgbImage, type Rgb } from '@mmada/image';
export { writePng, readPng } from '@mmada/image/node';

// ShapesWorld on disk
export { writeShapesWorld } from './shapesworld/write-shapes-world.js';

// Harness
export type { GenerationOptions, TextModel, UnderstandingModel, TextToImageModel, ImageInput } from './harness/model.js';
export type { EvalTask, ItemOutcome, PredictionRecord, TaskContext } from './harness/task.js';
export { ProgressTracker, formatDuration, formatProgress, formatProgressBar, type Progress } from './harness/progress.js';
export { progressPrinter, stderrProgress, underCi, type ProgressPrinter, type ProgressPrinterOptions, type ProgressSink } from './harness/progress-printer.js';
export { writeFileAtomic, appendPrediction, readPredictions } from './harness/files.js';
export { summarize, summaryMarkdown, type EvalSummary, type CategorySummary } from './harness/summary.js';
export { evaluate, runFiles, type EvaluateOptions } from './harness/evaluate.js';
export { sweepSteps, type SweepPoint } from './harness/sweep-steps.js';
export { gsm8kTask, math500Task, multipleChoiceTask, likelihoodChoiceTask, multipleChoicePrompt, type Gsm8kTaskOptions } from './harness/text-tasks.js';
export { popeTask, vqaTask } from './harness/multimodal-tasks.js';
export { shapesWorldT2ITask, shapesWorldUnderstandingTask, shapesWorldReasoningTask } from './harness/shapes-world-tasks.js';
