/**
 * Writes the small tokenizer the tests and the tiny models use: test/fixtures/tiny-tokenizer/{tokenizer.json,
 * tokenizer_config.json}. A byte-level BPE (as LLaDA's) with 256 byte tokens, 24 merges learned from the
 * sentences below, and the 17 special tokens of the LLaDA/MMaDA table at ids 280..296 (TINY_SPECIAL_TOKENS).
 * Deterministic: running it again writes the same files.
 *
 *   node --import tsx packages/mmada/scripts/make-tiny-tokenizer.ts [OUTPUT_DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byteLevelAlphabet, byteLevelBpeJson, learnMerges } from '../src/tokenizer/word-bpe.js';

const CORPUS = [
  'the cat sat on the mat and the dog sat on the log',
  'what is the answer? the answer is 42',
  'there are three red squares and two blue circles in the image',
  'think about the question and then answer the user',
  'a photo of a cat sitting on the mat',
];
const MERGES = 24;
const SPECIALS = [
  '<|startoftext|>',
  '<|endoftext|>',
  '<|soi|>',
  '<|eoi|>',
  '<|sov|>',
  '<|eov|>',
  '<|t2i|>',
  '<|mmu|>',
  '<|t2v|>',
  '<|v2v|>',
  '<|lvg|>',
  '[iPAD]',
  '<|r2i|>',
  '<|mdm_mask|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|eot_id|>',
];

function train(): string[] {
  const byteChar = byteLevelAlphabet();
  // Words as ByteLevel sees them: a leading space belongs to the word that follows it.
  const words = CORPUS.flatMap((s) => s.split(' ').map((w, i) => (i === 0 ? w : ` ${w}`)));
  const { merges } = learnMerges(
    words.map((w) => ({ parts: [...new TextEncoder().encode(w)].map((b) => byteChar[b]!), count: 1 })),
    { maxMerges: MERGES },
  );
  return merges;
}

const INFERENCE_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n' }}{% endif %}";

function main(): void {
  const out = process.argv[2] ?? fileURLToPath(new URL('../test/fixtures/tiny-tokenizer/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const merges = train();
  const firstSpecial = 256 + MERGES;
  const tokenizer = byteLevelBpeJson(merges, SPECIALS.map((content) => ({ content, special: true })));
  const config = {
    add_bos_token: false,
    add_eos_token: false,
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    mask_token: '<|mdm_mask|>',
    model_max_length: 4096,
    clean_up_tokenization_spaces: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: INFERENCE_CHAT_TEMPLATE,
  };
  writeFileSync(join(out, 'tokenizer.json'), `${JSON.stringify(tokenizer, null, 1)}\n`);
  writeFileSync(join(out, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  console.log(`wrote ${out} (${firstSpecial + SPECIALS.length} tokens)`);
}

main();
