/**
 * The sampling a recipe model's scores were made with, as `mmada train --recipe` records it in the model
 * directory's recipe.json (`"sampling"`). The demonstration reads it so that its scores are the card's; a
 * directory without recipe.json, or one written before sampling was recorded, gets the defaults.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecipeSampling } from './recipe-eval.js';

const INTEGER_FIELDS = ['reasoningLength', 'understandingLength', 'planLength', 'blockLength', 'imageSteps'] as const;

/** Checks `value` (recipe.json's `sampling`) field by field; errors name the file, the field and what it expects. */
export function parseRecordedSampling(value: unknown, file: string): Partial<RecipeSampling> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: "sampling" must be an object, got ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of INTEGER_FIELDS) {
    if (v[k] === undefined) continue;
    if (!Number.isInteger(v[k]) || (v[k] as number) < 1 || (v[k] as number) > 4096) throw new Error(`${file}: "sampling.${k}" must be an integer in [1, 4096], got ${JSON.stringify(v[k])}`);
    out[k] = v[k];
  }
  if (v.threshold !== undefined && v.threshold !== null) {
    if (typeof v.threshold !== 'number' || !(v.threshold > 0 && v.threshold <= 1)) throw new Error(`${file}: "sampling.threshold" must be a number in (0, 1], got ${JSON.stringify(v.threshold)}`);
    out.threshold = v.threshold;
  }
  if (v.kvCache !== undefined) {
    if (v.kvCache !== 'none' && v.kvCache !== 'prefix' && v.kvCache !== 'dual') throw new Error(`${file}: "sampling.kvCache" must be "none", "prefix" or "dual", got ${JSON.stringify(v.kvCache)}`);
    out.kvCache = v.kvCache;
  }
  if (v.guidanceScale !== undefined) {
    if (typeof v.guidanceScale !== 'number' || !(v.guidanceScale >= 0 && v.guidanceScale <= 100)) throw new Error(`${file}: "sampling.guidanceScale" must be a number in [0, 100], got ${JSON.stringify(v.guidanceScale)}`);
    out.guidanceScale = v.guidanceScale;
  }
  return out as Partial<RecipeSampling>;
}

/** The recorded sampling of model directory `dir` ({} when it has no recipe.json). */
export async function readRecordedSampling(dir: string): Promise<Partial<RecipeSampling>> {
  const file = join(dir, 'recipe.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${file}: expected an object, got ${JSON.stringify(json).slice(0, 40)}`);
  return parseRecordedSampling((json as Record<string, unknown>).sampling, file);
}
