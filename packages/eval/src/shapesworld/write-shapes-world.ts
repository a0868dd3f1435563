import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writePng } from '@mmada/image/node';
import { writeFileAtomic } from '@mmada/tensor';
import { renderScene } from './scene.js';
import { generateShapesWorld, type ShapesWorldOptions, type ShapesWorldRecord, type ShapesWorldTask } from './shapes-world.js';

/**
 * Writes a ShapesWorld set to `dir`: `records.jsonl` (one record per line, with an `image` path for
 * the image tasks) and the scenes as `images/<id>.png` — for t2i these are reference images.
 * Returns the records written.
 */
export async function writeShapesWorld(dir: string, task: ShapesWorldTask, options: ShapesWorldOptions): Promise<ShapesWorldRecord[]> {
  const records = generateShapesWorld(task, options);
  await mkdir(join(dir, 'images'), { recursive: true });
  const lines: string[] = [];
  for (const r of records) {
    if (r.task === 'reasoning') {
      lines.push(JSON.stringify(r));
      continue;
    }
    const image = `images/${r.id}.png`;
    await writePng(join(dir, image), renderScene(r.scene));
    lines.push(JSON.stringify({ ...r, image }));
  }
  await writeFileAtomic(join(dir, 'records.jsonl'), lines.join('\n') + '\n');
  return records;
}
