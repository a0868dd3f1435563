import { codebookSize, downsampleFactor, type LoadedImageTokenizer, type LoadedModel } from '@mmada/mmada';
import { UsageError } from './usage-error.js';

/** The image tokenizer must speak the model's codebook and cut the resolution into whole tokens. */
export function checkImageSetup(vq: LoadedImageTokenizer, model: LoadedModel, resolution: number, vqDir: string): void {
  const factor = downsampleFactor(vq.config);
  if (resolution % factor !== 0) throw new UsageError(`--resolution ${resolution} must be a multiple of the tokenizer's downsampling factor (${factor})`);
  const codes = model.config.codebookSize;
  if (codes !== undefined && codes !== codebookSize(vq.config)) {
    throw new Error(`${vqDir}: the tokenizer has ${codebookSize(vq.config)} codes (${vq.config.bits} bits) but the model's codebook has ${codes}`);
  }
}
