/**
 * Raw ShapesWorld images for scripts/reference/tiny_lfq_tokenizer_probe.py, and the verifier for what it writes back.
 *
 *   npx tsx scripts/reference/dump-shapesworld-images.ts DIR
 *     DIR/train.u8, DIR/test.u8    32×32 RGB images, uint8, one after another: the image-tokenizer stage's training
 *                                  scenes (shapesWorldTrainScenes) and the 600 t2i test-split reference images
 *     DIR/train.cells, test.cells  each image's 2×2 cell states, one byte per cell in raster order:
 *                                  0 empty, else 1 + shape index · 6 + colour index (SHAPES, COLOR_NAMES)
 *
 *   npx tsx scripts/reference/dump-shapesworld-images.ts --verify FILE.recon.u8 …
 *     judges 600 reconstructions of the test images against their prompts with verifyT2I, as
 *     evaluateImageTokenizer does, and prints how many pass.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLOR_NAMES, generateShapesWorld, renderScene, SHAPES, verifyT2I, type Scene } from '../../packages/eval/src/index.js';
import { shapesWorldTrainScenes } from '../../packages/cli/src/recipe/image-tokenizer-stage.js';

const SIDE = 32;
const BYTES = SIDE * SIDE * 3;
const testRecords = () => generateShapesWorld('t2i', { split: 'test', count: 600 });

function write(dir: string, name: string, scenes: readonly Scene[]): void {
  const pixels = new Uint8Array(scenes.length * BYTES);
  const cells = new Uint8Array(scenes.length * 4);
  scenes.forEach((scene, i) => {
    if (scene.size !== SIDE) throw new Error(`scene ${i} of ${name} is ${scene.size} px; the probe reads ${SIDE}×${SIDE} images`);
    pixels.set(renderScene(scene).data, i * BYTES);
    for (const o of scene.objects) cells[i * 4 + o.row * 2 + o.col] = 1 + SHAPES.indexOf(o.shape) * COLOR_NAMES.length + COLOR_NAMES.indexOf(o.color);
  });
  writeFileSync(join(dir, `${name}.u8`), pixels);
  writeFileSync(join(dir, `${name}.cells`), cells);
  console.log(`${name}: ${scenes.length} images`);
}

function verify(files: readonly string[]): void {
  const records = testRecords();
  for (const file of files) {
    const bytes = readFileSync(file);
    if (bytes.length !== records.length * BYTES) throw new Error(`${file}: expected ${records.length} images of ${SIDE}×${SIDE}×3 bytes (${records.length * BYTES} bytes), got ${bytes.length}`);
    const accepted = records.filter((r, i) => verifyT2I({ width: SIDE, height: SIDE, data: bytes.subarray(i * BYTES, (i + 1) * BYTES) }, r.prompt).correct).length;
    console.log(`${file}: the verifier accepts ${accepted} / ${records.length}`);
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--verify') verify(argv.slice(1));
else if (argv.length === 1) {
  mkdirSync(argv[0]!, { recursive: true });
  write(argv[0]!, 'train', shapesWorldTrainScenes());
  write(argv[0]!, 'test', testRecords().map((r) => r.scene));
} else {
  console.error('usage: dump-shapesworld-images.ts DIR | --verify FILE.recon.u8 …');
  process.exit(2);
}
