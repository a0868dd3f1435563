/**
 * Every complete example (a ```ts block that starts with an import) of every package README runs, on the cpu
 * device unless MMADA_DEVICE says otherwise, from a temporary directory holding the input files it names. An example
 * whose fence says what it needs (a published 8B checkpoint, a browser) is skipped with that reason.
 * @mmada/autograd's example also runs in its own test, which checks that its loss falls.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initTestDevice } from './support/devices.js';
import { readmeExamples, runExample } from './support/readme-examples.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Input files an example reads, put in its working directory first. */
const SETUP: Record<string, (dir: string) => void | Promise<void>> = {
  async tensor(dir) {
    const T = await import('@mmada/tensor');
    const w = { 'a.weight': T.tensor([[1, 2], [3, 4]]), 'a.bias': T.tensor([0.5, -0.5]) };
    const saved = await T.saveSafetensors(join(dir, 'model.safetensors'), w)();
    if (saved._tag === 'Left') throw saved.left;
    mkdirSync(join(dir, 'ckpt-dir'));
    cpSync(join(dir, 'model.safetensors'), join(dir, 'ckpt-dir', 'model.safetensors'));
    T.dispose(w);
  },
  mmada(dir) {
    cpSync(join(root, 'packages/mmada/test/fixtures/tiny-tokenizer'), join(dir, 'packages/mmada/test/fixtures/tiny-tokenizer'), { recursive: true });
  },
  eval(dir) {
    const rows = [
      { question: 'Tom has 3 apples and buys 4. How many?', answer: '3 + 4 = 7\n#### 7' },
      { question: 'What is 6 times 2?', answer: '6 * 2 = 12\n#### 12' },
    ];
    writeFileSync(join(dir, 'gsm8k-test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const completions = [{ id: '1', completion: 'so the answer is \\boxed{7}' }, { id: '2', completion: 'the answer is 13' }];
    writeFileSync(join(dir, 'completions.jsonl'), completions.map((r) => JSON.stringify(r)).join('\n') + '\n');
  },
};

/** What some examples print, where that is the point of the example. */
const PRINTS: Record<string, RegExp> = {
  'tensor:1': /\{ tensors: 0, bytes: 0 \}|"tensors":0/,
  'eval:1': /^accuracy 50\.0%$/,
};

for (const pkg of ['tensor', 'diffusion', 'mmada', 'image', 'charts', 'eval', 'rl']) {
  describe(`packages/${pkg}/README.md`, () => {
    readmeExamples(join(root, 'packages', pkg, 'README.md')).forEach((example, i) => {
      it(`example ${i + 1} (line ${example.line}) runs`, async (ctx) => {
        if (example.needs) ctx.skip(`needs ${example.needs}`);
        await initTestDevice();
        const printed = await runExample(example, SETUP[pkg]);
        const want = PRINTS[`${pkg}:${i + 1}`];
        if (want) expect(printed.some((l) => want.test(l)), printed.join('\n')).toBe(true);
      });
    });
  });
}
