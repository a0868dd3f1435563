/** The sampler panel: reads the text and image sampler settings and the seed from the form, checked. */
import { DEFAULT_IMAGE_SAMPLER, DEFAULT_TEXT_SAMPLER, imageSamplerProblem, textSamplerProblem, type ImageSampler, type TextSampler } from './tasks.js';
import { byId } from './dom.js';

export interface SamplerSettings {
  readonly seed: number;
  readonly text: TextSampler;
  readonly image: ImageSampler;
}

const num = (id: string): number => Number(byId<HTMLInputElement>(id).value);

/** Fills the form with the defaults the shipped model was scored with. */
export function resetSamplerPanel(): void {
  byId<HTMLInputElement>('seed').value = '0';
  byId<HTMLInputElement>('gen-length').value = String(DEFAULT_TEXT_SAMPLER.genLength);
  byId<HTMLInputElement>('steps').value = String(DEFAULT_TEXT_SAMPLER.steps);
  byId<HTMLInputElement>('block-length').value = String(DEFAULT_TEXT_SAMPLER.blockLength);
  byId<HTMLInputElement>('temperature').value = String(DEFAULT_TEXT_SAMPLER.temperature);
  byId<HTMLSelectElement>('remasking').value = DEFAULT_TEXT_SAMPLER.remasking;
  byId<HTMLInputElement>('threshold').value = '';
  byId<HTMLInputElement>('image-steps').value = String(DEFAULT_IMAGE_SAMPLER.steps);
  byId<HTMLInputElement>('image-temperature').value = String(DEFAULT_IMAGE_SAMPLER.temperature);
  byId<HTMLInputElement>('image-guidance').value = String(DEFAULT_IMAGE_SAMPLER.guidance);
  byId<HTMLInputElement>('image-plan').checked = DEFAULT_IMAGE_SAMPLER.planFirst;
}

/** The settings in the form; throws a RangeError naming the field that cannot be used. */
export function readSamplerPanel(): SamplerSettings {
  const seed = num('seed');
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${byId<HTMLInputElement>('seed').value}`);
  const thresholdText = byId<HTMLInputElement>('threshold').value.trim();
  const text: TextSampler = {
    genLength: num('gen-length'),
    steps: num('steps'),
    blockLength: num('block-length'),
    temperature: num('temperature'),
    remasking: byId<HTMLSelectElement>('remasking').value as TextSampler['remasking'],
    ...(thresholdText === '' ? {} : { threshold: Number(thresholdText) }),
  };
  const problem = textSamplerProblem(text);
  if (problem) throw new RangeError(problem);
  const image: ImageSampler = { steps: num('image-steps'), temperature: num('image-temperature'), guidance: num('image-guidance'), planFirst: byId<HTMLInputElement>('image-plan').checked };
  const imageProblem = imageSamplerProblem(image);
  if (imageProblem) throw new RangeError(imageProblem);
  return { seed, text, image };
}
