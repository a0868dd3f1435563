/**
 * The recipe's `--vq-*` flags (mmada train --recipe, packages/cli/scripts/train-image-tokenizer.ts) → the options
 * of trainShapesWorldImageTokenizer. Flags left out keep the shipped defaults; see image-tokenizer-options.ts.
 */
import type { TokenizerLossOptions, VqConfig } from '@mmada/mmada';
import { choiceFlag, idListFlag, integerFlag, numberFlag } from '../flag-values.js';
import { UsageError } from '../usage-error.js';
import { unwrap } from '../unwrap.js';
import { shapesWorldVqSetup, type ShapesWorldVqChoices } from './image-tokenizer-options.js';
import { SHAPESWORLD_VQ_LEARNING_RATE } from './image-tokenizer-stage.js';

export type VqFlagValues = { readonly [K in 'vq-lr' | 'vq-ch' | 'vq-mult' | 'vq-bits' | 'vq-rec' | 'vq-beta' | 'vq-lam' | 'vq-gam']?: string };

/** Only the fields a flag set: `{}` when no `--vq-*` flag is given. Throws a UsageError for a bad value. */
export function vqSetupFromFlags(f: VqFlagValues): { config?: VqConfig; loss?: TokenizerLossOptions; learningRate?: number } {
  const number = (name: keyof VqFlagValues) => (f[name] === undefined ? undefined : unwrap(numberFlag(name, f[name], 0)));
  const choices: ShapesWorldVqChoices = {
    ...(f['vq-ch'] !== undefined ? { ch: unwrap(integerFlag('vq-ch', f['vq-ch'], undefined, 1, 4096)) } : {}),
    ...(f['vq-mult'] !== undefined ? { mult: unwrap(idListFlag('vq-mult', f['vq-mult'])) } : {}),
    ...(f['vq-bits'] !== undefined ? { bits: unwrap(integerFlag('vq-bits', f['vq-bits'], undefined, 1)) } : {}),
    ...(f['vq-rec'] !== undefined ? { rec: unwrap(choiceFlag('vq-rec', f['vq-rec'], ['l1', 'l2'] as const, 'l1')) } : {}),
    ...(f['vq-beta'] !== undefined ? { beta: number('vq-beta') } : {}),
    ...(f['vq-lam'] !== undefined ? { lam: number('vq-lam') } : {}),
    ...(f['vq-gam'] !== undefined ? { gam: number('vq-gam') } : {}),
  };
  const lr = f['vq-lr'] === undefined ? undefined : unwrap(numberFlag('vq-lr', f['vq-lr'], SHAPESWORLD_VQ_LEARNING_RATE));
  if (lr === 0) throw new UsageError('--vq-lr must be > 0');
  const r = shapesWorldVqSetup(choices);
  if (!r.ok) throw new UsageError(`the --vq-* flags give an unusable tokenizer: ${r.problems.join('; ')}`);
  const architecture = choices.ch !== undefined || choices.mult !== undefined || choices.bits !== undefined;
  const objective = choices.rec !== undefined || choices.beta !== undefined || choices.lam !== undefined || choices.gam !== undefined;
  return {
    ...(architecture ? { config: r.setup.config } : {}),
    ...(objective ? { loss: r.setup.loss } : {}),
    ...(lr !== undefined ? { learningRate: lr } : {}),
  };
}
