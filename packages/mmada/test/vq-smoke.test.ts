import { describe, it, expect } from 'vitest';
import { init, key, uniform, memory } from '@mmada/tensor';
import { vqConfig, vqParameterCount, MAGVITV2_CONFIG, initImageTokenizer, encodeImages, decodeImageTokens, vqParameterShapes } from '../src/vq/index.js';
describe('smoke', () => {
  it('runs', async () => {
    await init({ device: 'cpu' });
    expect(vqParameterCount(MAGVITV2_CONFIG)).toBe(95387004);
    expect(vqParameterShapes(MAGVITV2_CONFIG).length).toBe(380);
    const cfg = vqConfig({ ch: 8, encoderChMult: [1, 2], encoderNumResBlocks: [1, 1], decoderChMult: [1, 2], decoderNumResBlocks: [1, 1], bits: 6, normGroups: 4 });
    const tok = initImageTokenizer(cfg, key(0));
    const before = memory().tensors;
    const x = uniform(key(1), [2, 3, 16, 16], { minval: -1, maxval: 1 });
    const t0 = Date.now();
    const ids = encodeImages(tok, x);
    console.log(ids.shape, ids.dtype, await ids.array(), Date.now() - t0);
    const y = decodeImageTokens(tok, ids, [8, 8]);
    console.log(y.shape, (await y.data()).slice(0, 5));
    x.dispose(); ids.dispose(); y.dispose();
    expect(memory().tensors).toBe(before);
  });
});
