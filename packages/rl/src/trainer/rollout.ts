/**
 * Rollouts: G completions per prompt from the current policy, one sampler run per task family (the
 * semi-autoregressive text sampler, or MaskGIT for image tokens), turned into the estimators' RolloutBatch
 * layout on the host: ids, per-row prompt lengths, the completion mask (generated tokens up to and including
 * the first stop token), pad masks, sample and group ids.
 */
import { maskgitSample, semiAutoregressiveSample, type MaskPredictor } from '@mmada/diffusion';
import { foldIn, scope, tensor, type DeviceName, type PRNGKey, type Tensor } from '@mmada/tensor';
import type { RolloutBatch } from '../estimators/rollout-batch.js';
import type { RlConfig } from './rl-config.js';
import type { RlPolicy } from './policy.js';
import type { ImageRlPrompt, RewardComponents, RlPrompt, TextRlPrompt } from './rl-prompt.js';

/** Salt folded into the generation batch's key for the samplers (apart from the estimators' iteration keys). */
export const ROLLOUT_STREAM = 0x726f6c6c;

/** The completions of one task family in one generation batch, on the host. */
export interface FamilyRollout {
  readonly task: string;
  readonly kind: 'text' | 'image';
  /** Indices (in the step's prompt list) of the prompts of this family; row j·G + g answers prompts[j]. */
  readonly promptIndices: readonly number[];
  /** Global row index (prompt index · G + g) of each row: the estimators' sample ids. */
  readonly sampleIds: readonly number[];
  /** Prompt index of each row: the estimators' group ids. */
  readonly groupIds: readonly number[];
  /** [R][L] prompt ++ generated tokens. */
  readonly ids: readonly (readonly number[])[];
  /** [R][L] 1 = a real token (absent: no padding anywhere). */
  readonly padMask?: readonly (readonly number[])[];
  readonly promptLength: readonly number[];
  /** Per row: where its completion starts and how many tokens it has (stop token included). */
  readonly completionStart: readonly number[];
  readonly completionLength: readonly number[];
  readonly truncated: readonly boolean[];
  readonly rewards: readonly RewardComponents[];
}

export interface RolloutOptions {
  readonly config: RlConfig;
  /** Key of the generation batch (rolloutKey(seed, step)). */
  readonly key: PRNGKey;
  readonly device: DeviceName;
}

/** Groups prompt indices by task, in order of first appearance; every prompt of a task must be of one kind. */
export function familiesOf(prompts: readonly RlPrompt[]): { task: string; kind: 'text' | 'image'; indices: number[] }[] {
  const out: { task: string; kind: 'text' | 'image'; indices: number[] }[] = [];
  prompts.forEach((p, i) => {
    let f = out.find((x) => x.task === p.task);
    if (!f) out.push((f = { task: p.task, kind: p.kind, indices: [] }));
    if (f.kind !== p.kind) throw new RangeError(`task ${p.task} mixes text and image prompts`);
    f.indices.push(i);
  });
  return out;
}

const chunks = (n: number, size: number) => Array.from({ length: Math.ceil(n / size) }, (_, c) => [c * size, Math.min(n, (c + 1) * size)] as const);

/** Runs `sample` over row chunks and concatenates the rows (host arrays). */
async function sampleInChunks(rows: number, chunkSize: number, sample: (lo: number, hi: number) => Promise<number[][]>): Promise<number[][]> {
  const out: number[][] = [];
  for (const [lo, hi] of chunks(rows, chunkSize)) out.push(...(await sample(lo, hi)));
  return out;
}

async function rolloutText(
  predictor: MaskPredictor,
  policy: RlPolicy<unknown>,
  prompts: readonly TextRlPrompt[],
  indices: readonly number[],
  o: RolloutOptions,
): Promise<FamilyRollout> {
  const c = o.config;
  const G = c.numGenerations;
  const padId = policy.padId ?? policy.eosId;
  const stops = new Set(policy.stopIds ?? [policy.eosId]);
  const P = Math.max(...prompts.map((p) => p.ids.length));
  if (P === 0) throw new RangeError(`task ${prompts[0]?.task}: a prompt has no tokens`);
  const promptRows: number[][] = [];
  const padRows: number[][] = [];
  for (const p of prompts) {
    for (let g = 0; g < G; g++) {
      promptRows.push([...new Array<number>(P - p.ids.length).fill(padId), ...p.ids]);
      padRows.push([...new Array<number>(P - p.ids.length).fill(0), ...new Array<number>(p.ids.length).fill(1)]);
    }
  }
  const padded = prompts.some((p) => p.ids.length < P);
  const R = promptRows.length;
  const genLength = c.maxCompletionLength;
  const ids = await sampleInChunks(R, c.generationBatchSize ?? R, (lo, hi) =>
    scope(async () => {
      const x = tensor(promptRows.slice(lo, hi), undefined, 'i32', { device: o.device });
      const pm = padded ? tensor(padRows.slice(lo, hi), undefined, 'i32', { device: o.device }) : undefined;
      const r = await semiAutoregressiveSample(predictor, x, {
        genLength, steps: c.steps, blockLength: c.blockLength, temperature: c.temperature, remasking: c.remasking,
        ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
        key: foldIn(foldIn(o.key, ROLLOUT_STREAM), lo), maskId: policy.maskId, eosId: policy.eosId, promptPadMask: pm,
      });
      return (await r.ids.array()) as number[][];
    }),
  );
  const completionLength: number[] = [];
  const truncated: boolean[] = [];
  const texts: { ids: number[]; truncated: boolean }[] = [];
  for (const row of ids) {
    const gen = row.slice(P);
    const stop = gen.findIndex((t) => stops.has(t));
    truncated.push(stop < 0);
    completionLength.push(stop < 0 ? genLength : stop + 1);
    texts.push({ ids: stop < 0 ? gen : gen.slice(0, stop), truncated: stop < 0 });
  }
  const rewards: RewardComponents[] = [];
  for (let r = 0; r < R; r++) rewards.push(await prompts[Math.floor(r / G)]!.reward(texts[r]!));
  return {
    task: prompts[0]!.task,
    kind: 'text',
    promptIndices: indices,
    sampleIds: Array.from({ length: R }, (_, r) => indices[Math.floor(r / G)]! * G + (r % G)),
    groupIds: Array.from({ length: R }, (_, r) => indices[Math.floor(r / G)]!),
    ids,
    ...(padded ? { padMask: padRows.map((m) => [...m, ...new Array<number>(genLength).fill(1)]) } : {}),
    promptLength: new Array<number>(R).fill(P),
    completionStart: new Array<number>(R).fill(P),
    completionLength,
    truncated,
    rewards,
  };
}

async function rolloutImage(
  predictor: MaskPredictor,
  policy: RlPolicy<unknown>,
  prompts: readonly ImageRlPrompt[],
  indices: readonly number[],
  o: RolloutOptions,
): Promise<FamilyRollout> {
  const c = o.config;
  const G = c.numGenerations;
  const first = prompts[0]!;
  const L = first.ids.length;
  for (const p of prompts) {
    const same = p.ids.length === L && p.imageStart === first.imageStart && p.numImageTokens === first.numImageTokens &&
      p.codebookOffset === first.codebookOffset && p.codebookSize === first.codebookSize;
    if (!same) throw new RangeError(`task ${p.task}: image prompts of one task must share the row length, image span and codebook`);
    if (p.imageStart + p.numImageTokens > p.ids.length) throw new RangeError(`task ${p.task}: the image span runs past the row (${p.imageStart} + ${p.numImageTokens} > ${p.ids.length})`);
    if ((p.padMask && p.padMask.length !== L) || (p.uncondPadMask && p.uncondPadMask.length !== L)) throw new RangeError(`task ${p.task}: pad masks must be as long as the row`);
  }
  const guided = c.guidanceScale > 0;
  if (guided && prompts.some((p) => !p.uncondPrefix)) throw new RangeError(`guidanceScale ${c.guidanceScale} > 0: task ${first.task}'s prompts need uncondPrefix`);
  const rows = prompts.flatMap((p) => new Array<readonly number[]>(G).fill(p.ids));
  const hasPad = prompts.some((p) => p.padMask !== undefined);
  const padRows = hasPad ? prompts.flatMap((p) => new Array<readonly number[]>(G).fill(p.padMask ?? new Array<number>(L).fill(1))) : undefined;
  const R = rows.length;
  const ids = await sampleInChunks(R, c.generationBatchSize ?? R, (lo, hi) =>
    scope(async () => {
      const x = tensor(rows.slice(lo, hi) as number[][], undefined, 'i32', { device: o.device });
      const pm = padRows ? tensor(padRows.slice(lo, hi) as number[][], undefined, 'i32', { device: o.device }) : undefined;
      const owner = (r: number) => prompts[Math.floor(r / G)]!;
      const range = Array.from({ length: hi - lo }, (_, i) => lo + i);
      const uncondPrefix = guided ? tensor(range.map((r) => [...owner(r).uncondPrefix!]), undefined, 'i32', { device: o.device }) : undefined;
      const uncondPadMask = guided && pm ? tensor(range.map((r) => [...(owner(r).uncondPadMask ?? new Array<number>(L).fill(1))]), undefined, 'i32', { device: o.device }) : undefined;
      const r = await maskgitSample(predictor, x, {
        numImageTokens: first.numImageTokens, steps: c.imageSteps, temperature: c.imageTemperature,
        key: foldIn(foldIn(o.key, ROLLOUT_STREAM), lo), maskId: policy.maskId, imageStart: first.imageStart,
        codebookOffset: first.codebookOffset, codebookSize: first.codebookSize,
        ...(pm ? { padMask: pm } : {}),
        ...(guided ? { guidanceScale: c.guidanceScale, uncondPrefix, ...(uncondPadMask ? { uncondPadMask } : {}) } : {}),
      });
      return (await r.ids.array()) as number[][];
    }),
  );
  const rewards: RewardComponents[] = [];
  for (let r = 0; r < R; r++) {
    const codes = ids[r]!.slice(first.imageStart, first.imageStart + first.numImageTokens).map((t) => t - first.codebookOffset);
    rewards.push(await prompts[Math.floor(r / G)]!.reward(codes));
  }
  return {
    task: first.task,
    kind: 'image',
    promptIndices: indices,
    sampleIds: Array.from({ length: R }, (_, r) => indices[Math.floor(r / G)]! * G + (r % G)),
    groupIds: Array.from({ length: R }, (_, r) => indices[Math.floor(r / G)]!),
    ids,
    ...(padRows ? { padMask: padRows } : {}),
    promptLength: new Array<number>(R).fill(first.imageStart),
    completionStart: new Array<number>(R).fill(first.imageStart),
    completionLength: new Array<number>(R).fill(first.numImageTokens),
    truncated: new Array<boolean>(R).fill(false),
    rewards,
  };
}

/** Samples G completions for every prompt with the predictor, family by family, and scores them. */
export async function rollout(predictor: MaskPredictor, policy: RlPolicy<unknown>, prompts: readonly RlPrompt[], o: RolloutOptions): Promise<FamilyRollout[]> {
  const out: FamilyRollout[] = [];
  for (const f of familiesOf(prompts)) {
    const ps = f.indices.map((i) => prompts[i]!);
    out.push(
      f.kind === 'text'
        ? await rolloutText(predictor, policy, ps as TextRlPrompt[], f.indices, o)
        : await rolloutImage(predictor, policy, ps as ImageRlPrompt[], f.indices, o),
    );
  }
  return out;
}

/**
 * The family's rollout as the estimators' RolloutBatch, on the device (the caller disposes `tensors`). With
 * `maskTruncated`, truncated rows get an all-zero completion mask (TRL's mask_truncated_completions).
 */
export function rolloutBatchOf(f: FamilyRollout, maskId: number, maskTruncated: boolean, device: DeviceName): { batch: RolloutBatch; tensors: Tensor[] } {
  const R = f.ids.length;
  const L = f.ids[0]!.length;
  const completion = new Int32Array(R * L);
  for (let r = 0; r < R; r++) {
    if (maskTruncated && f.truncated[r]) continue;
    completion.fill(1, r * L + f.completionStart[r]!, r * L + f.completionStart[r]! + f.completionLength[r]!);
  }
  const ids = tensor(f.ids as number[][], undefined, 'i32', { device });
  const completionMask = tensor(completion, [R, L], 'i32', { device });
  const padMask = f.padMask ? tensor(f.padMask as number[][], undefined, 'i32', { device }) : undefined;
  const batch: RolloutBatch = {
    ids, completionMask, maskId, promptLength: f.promptLength, sampleIds: f.sampleIds, groupIds: f.groupIds,
    ...(padMask ? { padMask } : {}),
  };
  return { batch, tensors: padMask ? [ids, completionMask, padMask] : [ids, completionMask] };
}

