/**
 * Writes the ShapesWorld text tokenizer of mmada-tiny (tokenizer.json + tokenizer_config.json).
 * Deterministic: running it again writes the same files.
 *
 *   node --import tsx packages/cli/scripts/make-shapesworld-tokenizer.ts [OUTPUT_DIR]   (default models/mmada-tiny)
 */
import { writeShapesWorldTextTokenizer } from '../src/recipe/text-tokenizer-stage.js';

const out = process.argv[2] ?? 'models/mmada-tiny';
const size = await writeShapesWorldTextTokenizer(out);
console.log(`wrote ${out}/tokenizer.json (${size} tokens)`);
