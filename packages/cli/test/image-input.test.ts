import { describe, expect, it } from 'vitest';
import { createImage, encodePng } from '@mmada/image';
import { imageInputPixels } from '../src/model-adapter.js';

describe('imageInputPixels', () => {
  it('decodes dataset bytes under the pixel cap and refuses them over it', async () => {
    const bytes = encodePng(createImage(5, 5, [7, 8, 9]));
    expect((await imageInputPixels({ bytes } as never, { maxPixels: 25 })).data.subarray(0, 3)).toEqual(Uint8Array.of(7, 8, 9));
    await expect(imageInputPixels({ bytes } as never, { maxPixels: 24 })).rejects.toThrow('image bytes: corrupt or unsupported PNG: the header declares 5×5 = 25 pixels, over the limit of 24');
  });
});
