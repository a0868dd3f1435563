// config.json, trainer_state.json and tokenizer.json under damaged inputs: a value or the parser's typed error.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { parseTrainerState, TrainerStateError } from '@mmada/autograd';
import { ConfigError, configToJson, MODEL_ZOO, parseModelConfigText, TokenizerError, textTokenizerFromJson } from '@mmada/mmada';
import { parseVqConfigText, vqConfigToJson } from '../../packages/mmada/src/vq/vq-config-json.js';
import { MAGVITV2_CONFIG } from '../../packages/mmada/src/vq/vq-config.js';
import { tokenizerJsonFromText } from '../../packages/mmada/src/tokenizer/text-tokenizer.js';
import { fuzzParser, typedError } from './fuzz-parser.js';
import { damagedJson } from './mutations.js';

const tokenizerText = readFileSync(fileURLToPath(new URL('../../packages/mmada/test/fixtures/tiny-tokenizer/tokenizer.json', import.meta.url)), 'utf8');

/** A trainer_state.json as saveTrainingCheckpoint writes it for params {w, b} and an AdamW-like state. */
const trainerState = {
  format: 'mmada-training-checkpoint/1',
  step: 12,
  key: [0, 42],
  params: {
    treedef: { kind: 'object', keys: ['w', 'b'], children: [{ kind: 'leaf' }, { kind: 'leaf' }] },
    leaves: [{ tensor: 'params.w' }, { tensor: 'params.b' }],
  },
  optState: {
    treedef: { kind: 'array', children: [{ kind: 'object', keys: ['count', 'mu'], children: [{ kind: 'leaf' }, { kind: 'object', keys: ['w'], children: [{ kind: 'leaf' }] }] }, { kind: 'leaf' }] },
    leaves: [{ value: 12 }, { tensor: 'opt.0.mu.w' }, { key: [1, 2] }],
  },
  extra: { dataCursor: 3, config: { lr: 1e-4 } },
};

describe('fuzz: JSON files', () => {
  it('config.json', async () => {
    const base = configToJson(MODEL_ZOO['mmada-tiny']);
    await fuzzParser({
      parser: 'config.json',
      inputs: fc.oneof({ weight: 5, arbitrary: damagedJson(base) }, { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) }),
      run: (text) => {
        const r = parseModelConfigText(text, 'config.json');
        if (E.isLeft(r)) return typedError(r.left, ConfigError);
        expect(Number.isSafeInteger(r.right.nLayers) && r.right.nLayers > 0).toBe(true);
        return 'value';
      },
      numRuns: 1200,
    });
  });

  it('image tokenizer config.json', async () => {
    await fuzzParser({
      parser: 'vq config.json',
      inputs: damagedJson(vqConfigToJson(MAGVITV2_CONFIG)),
      run: (text) => {
        const r = parseVqConfigText(text, 'vq/config.json');
        return E.isLeft(r) ? typedError(r.left, ConfigError) : 'value';
      },
      numRuns: 300,
    });
  });

  it('trainer_state.json', async () => {
    await fuzzParser({
      parser: 'trainer_state.json',
      inputs: fc.oneof({ weight: 5, arbitrary: damagedJson(trainerState) }, { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) }),
      run: (text) => {
        const r = parseTrainerState(text, 'trainer_state.json');
        if (E.isLeft(r)) return typedError(r.left, TrainerStateError);
        expect(Number.isSafeInteger(r.right.step) && r.right.step >= 0).toBe(true);
        return 'value';
      },
      numRuns: 1200,
    });
  });

  it('tokenizer.json (parsed, validated and built; a built tokenizer encodes and decodes)', async () => {
    const base = JSON.parse(tokenizerText) as unknown;
    await fuzzParser({
      parser: 'tokenizer.json',
      inputs: damagedJson(base, 2),
      run: (text) => {
        const json = tokenizerJsonFromText(text, 'tokenizer.json');
        if (E.isLeft(json)) return typedError(json.left, TokenizerError);
        const tok = textTokenizerFromJson(json.right, {}, {}, 'tokenizer.json');
        if (E.isLeft(tok)) return typedError(tok.left, TokenizerError);
        const ids = tok.right.encode('the cat sat on 12 mats');
        expect(ids.every((i) => Number.isInteger(i) && i >= 0 && i < tok.right.size)).toBe(true);
        expect(typeof tok.right.decode(ids)).toBe('string');
        return 'value';
      },
      numRuns: 400,
    });
  });
});
