/**
 * Stage 0b of the mmada-tiny recipe: the image tokenizer. A small MAGVIT-v2-architecture LFQ tokenizer is trained
 * with `trainImageTokenizer` on ShapesWorld train-split scenes and judged by the ShapesWorld text-to-image
 * verifier on its reconstructions of held-out (test-split) reference images.
 *
 * Why downsampling 8 and 10 bits (SHAPESWORLD_VQ_CONFIG): a 32×32 ShapesWorld canvas is a 2×2 grid of 16-px
 * cells, each empty or holding one of 5 shapes in one of 6 colours. The first design gave each cell one token
 * (×16 downsampling, 6 bits: SHAPESWORLD_VQ16_CONFIG, the tokenizer the shipped mmada-tiny was trained with), but
 * its learned codes never came to name the 31 cell states consistently (40–85 of 600 held-out reconstructions
 * accepted under every objective tried). At ×8 each token is an 8×8 quarter of a cell, whose patterns are few and
 * redundant, and the same kind of training passes the bar (models/mmada-tiny/vq/README.md has every run).
 */
import * as E from 'fp-ts/lib/Either.js';
import {
  decodeImageTokens, encodeImages, imagesToTensor, imageTokenizerDevice, tensorToImages, trainImageTokenizer, vqConfig,
  type ImageTokenizer, type ImageTokenizerStepInfo, type TokenizerLossOptions, type TrainImageTokenizerResult, type VqConfig,
} from '@mmada/mmada';
import { createRng, generateShapesWorld, nearestColor, renderScene, verifyT2I, type Scene } from '@mmada/eval';
import { ensureBackend, scope, type DeviceName, type Tensor } from '@mmada/tensor';
import type { RgbImage } from '@mmada/image';

/**
 * The architecture of the tokenizer the shipped mmada-tiny was trained with (models/mmada-tiny/vq): ch 16, five
 * levels (×16 downsampling), one resnet block per level, 6 LFQ bits. No longer the recipe's default (40 of 600).
 */
export const SHAPESWORLD_VQ16_CONFIG: VqConfig = vqConfig({
  ch: 16,
  encoderChMult: [1, 1, 2, 2, 4],
  encoderNumResBlocks: [1, 1, 1, 1, 1],
  decoderChMult: [1, 1, 2, 2, 4],
  decoderNumResBlocks: [1, 1, 1, 1, 1],
  bits: 6,
  normGroups: 8,
});

/**
 * The objective of the shipped mmada-tiny's tokenizer (models/mmada-tiny/vq): L1 reconstruction, commitment 0.05 (the
 * released β 0.25 pins a tiny encoder's latents to its first codes) and the LFQ entropy term 0.05 over all 64
 * codes with the codebook term weighted 1. At 1000 steps × 32 images (stopped at step 619 by its time budget on an
 * H200) the verifier accepts 40 of 600 held-out reconstructions; see models/mmada-tiny/vq/README.md.
 */
export const SHAPESWORLD_VQ16_LOSS: TokenizerLossOptions = {
  reconstruction: 'l1',
  commitmentWeight: 0.05,
  entropyWeight: 0.05,
  diversityWeight: 1,
  codebookEntropy: 'exact',
};

/**
 * An alternative tried at 300 steps × 16 images on lavapipe: L2 reconstruction (the L2 optimum, the mean,
 * keeps the shapes' colours in the gradient where an L1 decoder can sit on a blank canvas), no commitment,
 * entropy 0.02 with the codebook term weighted 5. It reached 0 of 600: without commitment the latents grew
 * without bound and their signs stopped flipping. Kept for comparison runs (`config`/`loss` options).
 */
export const SHAPESWORLD_VQ_LOSS_L2: TokenizerLossOptions = {
  reconstruction: 'l2',
  commitmentWeight: 0,
  entropyWeight: 0.02,
  diversityWeight: 5,
  codebookEntropy: 'exact',
};

/**
 * The architecture that passes the held-out bar in the PyTorch replica (models/mmada-tiny/vq/README.md: 597 of
 * 600 at 1000 steps × 32 images with SHAPESWORLD_VQ_LOSS): four levels, so ×8 downsampling and a 4×4 grid of 16
 * tokens per 32×32 image, each token an 8×8 quarter of a cell; and 10 bits (1024 codes). With one token per cell
 * the learned codes never came to name the cell states consistently (51–85 of 600), and the continuous 2×2
 * bottleneck without a quantiser reached only 288; at 16 tokens the quarter-cell patterns are few and redundant,
 * and the same training passes. 6 bits at ×8 reach 567 of 600. The recipe's default: trained with this library on
 * lavapipe it reaches 591 of 600. The mask predictor's t2i rows grow by 12 tokens and its image vocabulary from 64
 * to 1024 codes (the recipe sizes both from the tokenizer).
 */
export const SHAPESWORLD_VQ_CONFIG: VqConfig = vqConfig({
  ...SHAPESWORLD_VQ16_CONFIG,
  encoderChMult: [1, 1, 2, 2],
  encoderNumResBlocks: [1, 1, 1, 1],
  decoderChMult: [1, 1, 2, 2],
  decoderNumResBlocks: [1, 1, 1, 1],
  bits: 10,
});

/** The objective of the passing recipe: L2 reconstruction, commitment 0.05, entropy 0.1 over all 1024 codes, γ 1. */
export const SHAPESWORLD_VQ_LOSS: TokenizerLossOptions = {
  reconstruction: 'l2',
  commitmentWeight: 0.05,
  entropyWeight: 0.1,
  diversityWeight: 1,
  codebookEntropy: 'exact',
};

/** Steps, batch and learning rate of the recipe's tokenizer run (and of the shipped one). */
export const SHAPESWORLD_VQ_STEPS = 1000;
export const SHAPESWORLD_VQ_BATCH = 32;
export const SHAPESWORLD_VQ_LEARNING_RATE = 3e-3;
/** Train-split records per image task in the scene pool the batches are drawn from. */
export const SHAPESWORLD_VQ_POOL = 6000;

const sceneKey = (scene: Scene): string =>
  JSON.stringify([...scene.objects].sort((a, b) => a.row - b.row || a.col - b.col).map((o) => [o.row, o.col, o.shape, o.color]));

/**
 * The training scenes: train-split scenes of the understanding and t2i tasks (`pool` records of each), without
 * any scene that is also a t2i test-split reference scene, so the held-out evaluation never shows a training image.
 */
export function shapesWorldTrainScenes(pool = SHAPESWORLD_VQ_POOL): Scene[] {
  const heldOut = new Set(generateShapesWorld('t2i', { split: 'test', count: 600 }).map((r) => sceneKey(r.scene)));
  const scenes = [
    ...generateShapesWorld('understanding', { split: 'train', count: pool }).map((r) => r.scene),
    ...generateShapesWorld('t2i', { split: 'train', count: pool }).map((r) => r.scene),
  ];
  return scenes.filter((s) => !heldOut.has(sceneKey(s)));
}

/** The batch order is a pure function of (seed, step): the ShapesWorld generator seeded with both mixed. */
function stepRandom(seed: number, step: number): () => number {
  return createRng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)) >>> 0).next;
}

/** The `batch` scenes of a step: drawn with replacement from the pool by a generator seeded with (seed, step). */
export function sceneBatch(scenes: readonly Scene[], step: number, batch: number, seed = 0): Scene[] {
  const random = stepRandom(seed, step);
  return Array.from({ length: batch }, () => scenes[Math.floor(random() * scenes.length)]!);
}

/** `image tokenizer step 40/300 loss 0.2315 (recon 0.1923, commit 0.0812, H 0.310/0.652) lr 2.9e-3, 3.1 s/step, ETA 29.0 min` */
export function progressLine(p: ImageTokenizerStepInfo): string {
  const r = p.parts;
  return (
    `image tokenizer step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} (recon ${r.reconstruction.toFixed(4)}, commit ${r.commitment.toFixed(4)}, ` +
    `H ${r.sampleEntropy.toFixed(3)}/${r.codebookEntropy.toFixed(3)}) lr ${p.lr.toExponential(1)}, ${p.secondsPerStep.toFixed(2)} s/step, ` +
    `ETA ${(p.etaSeconds / 60).toFixed(1)} min`
  );
}

export interface TrainShapesWorldImageTokenizerOptions {
  /** Run directory: tokenizer (config.json + pytorch_model.safetensors), checkpoint/, loss.jsonl, loss.svg. */
  readonly out: string;
  readonly steps?: number;
  readonly batch?: number;
  /** Device to train on (default: the default device). */
  readonly device?: DeviceName;
  /** Seed of the initial parameters and of the batch order (default 0). */
  readonly seed?: number;
  /** Continue from out/checkpoint when it exists. */
  readonly resume?: boolean;
  /** A progress line (step, loss and its parts, rate, ETA) every `progressEvery` steps and at the last step. */
  readonly onProgress?: (line: string, info: ImageTokenizerStepInfo) => void | Promise<void>;
  /** Default 10. */
  readonly progressEvery?: number;
  readonly learningRate?: number;
  readonly checkpointEvery?: number;
  readonly signal?: AbortSignal;
  /** Train-split records per task in the scene pool (default SHAPESWORLD_VQ_POOL). */
  readonly pool?: number;
  /** Another architecture (default SHAPESWORLD_VQ_CONFIG). */
  readonly config?: VqConfig;
  /** Another objective (default SHAPESWORLD_VQ_LOSS). */
  readonly loss?: TokenizerLossOptions;
}

/**
 * Trains the ShapesWorld image tokenizer into `out` (resumable; see trainImageTokenizer). Returns the run's
 * result (the caller owns `result.tokenizer`); throws the TrainingError of a failed run.
 */
export async function trainShapesWorldImageTokenizer(options: TrainShapesWorldImageTokenizerOptions): Promise<TrainImageTokenizerResult> {
  const steps = options.steps ?? SHAPESWORLD_VQ_STEPS;
  const batch = options.batch ?? SHAPESWORLD_VQ_BATCH;
  const seed = options.seed ?? 0;
  const pool = options.pool ?? SHAPESWORLD_VQ_POOL;
  if (options.device) await ensureBackend(options.device);
  const scenes = shapesWorldTrainScenes(pool);
  const device = options.device;
  const progressEvery = options.progressEvery ?? 10;
  const result = await trainImageTokenizer(
    options.config ?? SHAPESWORLD_VQ_CONFIG,
    (s) => imagesToTensor(sceneBatch(scenes, s, batch, seed).map(renderScene), { device }),
    {
      steps,
      learningRate: options.learningRate ?? SHAPESWORLD_VQ_LEARNING_RATE,
      loss: options.loss ?? SHAPESWORLD_VQ_LOSS,
      seed,
      device,
      out: options.out,
      resume: options.resume,
      checkpointEvery: options.checkpointEvery,
      onProgress: (p) => {
        if (!options.onProgress || (p.step % progressEvery !== 0 && p.step !== p.steps)) return;
        return options.onProgress(progressLine(p), p);
      },
      signal: options.signal,
      extra: { data: { source: 'shapesworld', split: 'train', tasks: ['understanding', 't2i'], pool, scenes: scenes.length, batch, seed } },
    },
  )();
  if (E.isLeft(result)) throw result.left;
  return result.right;
}

/** One held-out image the verifier rejected. */
export interface ImageTokenizerFailure {
  readonly id: string;
  readonly prompt: string;
  readonly reasons: readonly string[];
}

export interface ImageTokenizerEvaluation {
  /** Held-out reference images reconstructed. */
  readonly count: number;
  /** Reconstructions the verifier accepts against their record's prompt. */
  readonly accepted: number;
  /** accepted / count. */
  readonly acceptance: number;
  /** Reference images the verifier accepts (the check's ceiling; 1 for ShapesWorld as generated). */
  readonly referenceAcceptance: number;
  /** Fraction of pixels whose palette colour (or background) in the reconstruction equals the reference's. */
  readonly paletteAccuracy: number;
  /** Distinct codes the held-out images are encoded to (at most 31 cell states are drawn). */
  readonly distinctCodes: number;
  readonly failures: readonly ImageTokenizerFailure[];
}

/** Encode → decode images through the tokenizer (pixels in, pixels out). */
export async function reconstructImages(vq: ImageTokenizer, images: readonly RgbImage[]): Promise<RgbImage[]> {
  return scope(async () => {
    const x: Tensor = imagesToTensor(images, { device: imageTokenizerDevice(vq) });
    return tensorToImages(decodeImageTokens(vq, encodeImages(vq, x)));
  });
}

function paletteAgreement(a: RgbImage, b: RgbImage): number {
  let same = 0;
  const n = a.width * a.height;
  for (let p = 0; p < n; p++) {
    const ca = nearestColor([a.data[p * 3]!, a.data[p * 3 + 1]!, a.data[p * 3 + 2]!]);
    const cb = nearestColor([b.data[p * 3]!, b.data[p * 3 + 1]!, b.data[p * 3 + 2]!]);
    if (ca === cb) same++;
  }
  return same;
}

/**
 * The tokenizer's acceptance bar: the first `count` (default 200) t2i test-split records' reference scenes are
 * rendered, encoded and decoded, and each reconstruction is judged by `verifyT2I` against the record's prompt.
 * Also the per-pixel palette accuracy and the number of distinct codes used.
 */
export async function evaluateImageTokenizer(vq: ImageTokenizer, options: { readonly count?: number; readonly batch?: number } = {}): Promise<ImageTokenizerEvaluation> {
  const count = options.count ?? 200;
  const chunk = options.batch ?? 50;
  const records = generateShapesWorld('t2i', { split: 'test', count });
  const failures: ImageTokenizerFailure[] = [];
  let accepted = 0, referenceAccepted = 0, samePixels = 0, pixels = 0;
  const codes = new Set<number>();
  for (let i = 0; i < records.length; i += chunk) {
    const part = records.slice(i, i + chunk);
    const references = part.map((r) => renderScene(r.scene));
    const ids = await scope(async () => {
      const x = imagesToTensor(references, { device: imageTokenizerDevice(vq) });
      return (await encodeImages(vq, x).data()) as Int32Array;
    });
    for (const id of ids) codes.add(id);
    const recon = await reconstructImages(vq, references);
    part.forEach((r, j) => {
      if (verifyT2I(references[j]!, r.prompt).correct) referenceAccepted++;
      const verdict = verifyT2I(recon[j]!, r.prompt);
      if (verdict.correct) accepted++;
      else failures.push({ id: r.id, prompt: r.prompt.prompt, reasons: verdict.reasons });
      samePixels += paletteAgreement(recon[j]!, references[j]!);
      pixels += references[j]!.width * references[j]!.height;
    });
  }
  return {
    count: records.length,
    accepted,
    acceptance: accepted / records.length,
    referenceAcceptance: referenceAccepted / records.length,
    paletteAccuracy: samePixels / pixels,
    distinctCodes: codes.size,
    failures,
  };
}
