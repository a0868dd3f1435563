/**
 * Weight decay on LLaDA's tensor names: upstream's no-decay list matches none of them (every tensor decays, as
 * upstream trains), and LLADA_NO_DECAY spares exactly the RMSNorm weights and the token embedding.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, key } from '@mmada/tensor';
import { decayedPaths, UPSTREAM_NO_DECAY, weightDecayMask } from '@mmada/autograd';
import { createModel, disposeModel, LLADA_NO_DECAY, MODEL_ZOO } from '@mmada/mmada';

beforeAll(async () => {
  await init({ device: 'cpu' });
});

describe('weight decay on LLaDA names', () => {
  it('upstream list: every tensor decays; LLADA_NO_DECAY: all but the norms and the embedding', () => {
    const model = createModel(MODEL_ZOO['mmada-tiny'], key(0), { device: 'cpu' });
    try {
      const all = decayedPaths(model.params, weightDecayMask(model.params, UPSTREAM_NO_DECAY));
      const layers = MODEL_ZOO['mmada-tiny'].nLayers;
      expect(all.length).toBe(3 + 9 * layers); // wte, ln_f, ff_out and nine tensors per block
      const decayed = decayedPaths(model.params, weightDecayMask(model.params, LLADA_NO_DECAY));
      const spared = all.filter((p) => !decayed.includes(p)).sort();
      const expected = ['model.transformer.ln_f.weight', 'model.transformer.wte.weight'];
      for (let i = 0; i < layers; i++) expected.push(`model.transformer.blocks.${i}.attn_norm.weight`, `model.transformer.blocks.${i}.ff_norm.weight`);
      expect(spared).toEqual(expected.sort());
      expect(decayed).toContain('model.transformer.ff_out.weight');
      expect(decayed).toContain('model.transformer.blocks.0.q_proj.weight');
    } finally {
      disposeModel(model);
    }
  });
});
