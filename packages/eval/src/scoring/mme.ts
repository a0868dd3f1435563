export type MmeLabel = 'yes' | 'no' | 'other';

/** The official MME answer parser: exact yes/no, else yes/no within the first four characters (lower-cased). */
export function parseMmeAnswer(prediction: string): MmeLabel {
  const p = prediction.toLowerCase();
  if (p === 'yes' || p === 'no') return p;
  const prefix = p.slice(0, 4);
  if (prefix.includes('yes')) return 'yes';
  if (prefix.includes('no')) return 'no';
  return 'other';
}

export const MME_PERCEPTION = ['existence', 'count', 'position', 'color', 'posters', 'celebrity', 'scene', 'landmark', 'artwork', 'OCR'] as const;
export const MME_COGNITION = ['commonsense_reasoning', 'numerical_calculation', 'text_translation', 'code_reasoning'] as const;

export interface MmeItem {
  /** The subtask, e.g. `existence`. */
  readonly category: string;
  /** The image the question is about; MME asks two questions (one yes, one no) per image. */
  readonly imageId: string;
  readonly prediction: string;
  readonly gold: string;
}

export interface MmeSubtaskScore {
  readonly questions: number;
  readonly images: number;
  /** Percentage of questions answered correctly. */
  readonly acc: number;
  /** Percentage of images with every question answered correctly. */
  readonly accPlus: number;
  /** acc + acc+ (at most 200). */
  readonly score: number;
}

export interface MmeScores {
  readonly subtasks: Readonly<Record<string, MmeSubtaskScore>>;
  /** Sum of the perception subtask scores present (at most 2000). */
  readonly perception: number;
  /** Sum of the cognition subtask scores present (at most 800). */
  readonly cognition: number;
}

/** MME scores per subtask: accuracy, accuracy+ per image pair, and score = acc + acc+ (both in %). */
export function mmeScores(items: readonly MmeItem[]): MmeScores {
  const byTask = new Map<string, Map<string, boolean[]>>();
  for (const item of items) {
    const images = byTask.get(item.category) ?? new Map<string, boolean[]>();
    byTask.set(item.category, images);
    const results = images.get(item.imageId) ?? [];
    images.set(item.imageId, results);
    results.push(parseMmeAnswer(item.prediction) === item.gold.trim().toLowerCase());
  }
  const subtasks: Record<string, MmeSubtaskScore> = {};
  for (const [task, images] of byTask) {
    const all = [...images.values()];
    const questions = all.reduce((n, r) => n + r.length, 0);
    const correct = all.reduce((n, r) => n + r.filter(Boolean).length, 0);
    const acc = (100 * correct) / questions;
    const accPlus = (100 * all.filter((r) => r.every(Boolean)).length) / all.length;
    subtasks[task] = { questions, images: all.length, acc, accPlus, score: acc + accPlus };
  }
  const sum = (names: readonly string[]) => names.reduce((s, n) => s + (subtasks[n]?.score ?? 0), 0);
  return { subtasks, perception: sum(MME_PERCEPTION), cognition: sum(MME_COGNITION) };
}
