/**
 * Stage 0a of the mmada-tiny recipe: the text tokenizer, learned from the ShapesWorld corpus with
 * `trainWordBpe` — words whole, digits single, the MMaDA special tokens (`<|startoftext|>` and
 * `<|endoftext|>` are the sot/eot roles, as in LLaDA's tokenizer) and the `<think>` tags as added tokens that decoding keeps.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@mmada/tensor';
import { SPECIAL_TOKEN_STRINGS, TOKENIZER_CONFIG_FILE_NAME, TOKENIZER_FILE_NAME, trainWordBpe, type WordBpeTokenizer } from '@mmada/mmada';
import { shapesWorldCorpus } from './shapesworld-text.js';

/** Added tokens in id order: the upstream table's roles, then the trace tags. */
export const SHAPESWORLD_SPECIAL_TOKENS: readonly string[] = [
  SPECIAL_TOKEN_STRINGS.bos, SPECIAL_TOKEN_STRINGS.eos, SPECIAL_TOKEN_STRINGS.soi, SPECIAL_TOKEN_STRINGS.eoi,
  SPECIAL_TOKEN_STRINGS.sov, SPECIAL_TOKEN_STRINGS.eov, SPECIAL_TOKEN_STRINGS.t2i, SPECIAL_TOKEN_STRINGS.mmu,
  SPECIAL_TOKEN_STRINGS.t2v, SPECIAL_TOKEN_STRINGS.v2v, SPECIAL_TOKEN_STRINGS.lvg, SPECIAL_TOKEN_STRINGS.ipad,
  SPECIAL_TOKEN_STRINGS.r2i, SPECIAL_TOKEN_STRINGS.mask, SPECIAL_TOKEN_STRINGS.startHeader, SPECIAL_TOKEN_STRINGS.endHeader,
  SPECIAL_TOKEN_STRINGS.eotId,
];

/** Added tokens that decoded answers keep: the trace tags. */
export const SHAPESWORLD_TEXT_TOKENS: readonly string[] = ['<think>', '</think>'];

/** The inference chat template of MMaDA's generate.py, as tokenizer_config.json carries it. */
const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n' }}{% endif %}";

/** Train items per task the corpus is drawn from; every template word occurs many times over. */
export const TOKENIZER_CORPUS_ITEMS = 3000;

export function shapesWorldTextTokenizer(corpusItems = TOKENIZER_CORPUS_ITEMS): WordBpeTokenizer {
  return trainWordBpe(shapesWorldCorpus(corpusItems), {
    specialTokens: SHAPESWORLD_SPECIAL_TOKENS,
    textTokens: SHAPESWORLD_TEXT_TOKENS,
    tokenizerConfig: {
      add_bos_token: false,
      add_eos_token: false,
      bos_token: SPECIAL_TOKEN_STRINGS.bos,
      eos_token: SPECIAL_TOKEN_STRINGS.eos,
      pad_token: SPECIAL_TOKEN_STRINGS.eos,
      mask_token: SPECIAL_TOKEN_STRINGS.mask,
      model_max_length: 512,
      clean_up_tokenization_spaces: false,
      tokenizer_class: 'PreTrainedTokenizerFast',
      chat_template: CHAT_TEMPLATE,
    },
  });
}

/** Writes tokenizer.json and tokenizer_config.json into `dir`; returns the tokenizer's size. */
export async function writeShapesWorldTextTokenizer(dir: string, corpusItems = TOKENIZER_CORPUS_ITEMS): Promise<number> {
  const tok = shapesWorldTextTokenizer(corpusItems);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, TOKENIZER_FILE_NAME), `${JSON.stringify(tok.tokenizerJson)}\n`);
  await writeFileAtomic(join(dir, TOKENIZER_CONFIG_FILE_NAME), `${JSON.stringify(tok.tokenizerConfig, null, 2)}\n`);
  return tok.size;
}
