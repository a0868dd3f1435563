import type { GenerationOptions } from './model.js';

/** What a task reports for one item; this is what goes into the predictions JSONL. */
export interface ItemOutcome {
  /** The model's raw output (for images: where the image was saved, or a description). */
  readonly prediction: string;
  /** What the scorer read from the prediction, when that differs from the raw output. */
  readonly extracted?: string | null;
  readonly correct: boolean;
  /** A graded score in [0, 1] (e.g. VQA soft accuracy); defaults to 1 / 0 from `correct`. */
  readonly score?: number;
  /** Task-specific detail kept in the record (e.g. the gold answer, a verifier's reasons). */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** One line of a predictions file. */
export interface PredictionRecord extends ItemOutcome {
  readonly id: string;
  readonly category: string;
  readonly score: number;
  /** Wall time of the model call and scoring, in milliseconds. */
  readonly elapsedMs: number;
}

export interface TaskContext extends GenerationOptions {
  /** The run's output folder, for tasks that save artefacts such as generated images. */
  readonly outDir: string;
}

/** An evaluation task: how to ask a model about one item and how to score the answer. */
export interface EvalTask<Item, Model> {
  readonly name: string;
  id(item: Item): string;
  /** The breakdown the summary reports (e.g. subject, GenEval category); a single `all` is fine. */
  category(item: Item): string;
  run(model: Model, item: Item, context: TaskContext): Promise<ItemOutcome>;
  /** Extra dataset-level metrics (e.g. POPE F1), computed from all records of a run. */
  aggregate?(records: readonly PredictionRecord[]): Readonly<Record<string, number>>;
}
