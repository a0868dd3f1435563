import type { ImageRef } from '../datasets/row-reader.js';
import type { RgbImage } from '@mmada/image';

/** Options every model call receives from the harness. */
export interface GenerationOptions {
  /** Number of denoising steps (the sampling-efficiency sweep varies it). */
  readonly steps?: number;
}

/** A model that continues a text prompt. */
export interface TextModel {
  generate(prompt: string, options?: GenerationOptions): Promise<string>;
}

/** An image as a task hands it to a model: decoded pixels, or a reference from a dataset. */
export type ImageInput = RgbImage | ImageRef;

/** A model that answers a question about an image. */
export interface UnderstandingModel {
  understand(image: ImageInput, question: string, options?: GenerationOptions): Promise<string>;
}

/** A model that draws an image for a prompt. */
export interface TextToImageModel {
  textToImage(prompt: string, options?: GenerationOptions): Promise<RgbImage>;
}
