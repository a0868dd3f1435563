/**
 * Every complete example (a ```ts block that starts with an import) of every package README runs, on the cpu
 * device unless MMADA_DEVICE says otherwise, from a temporary directory holding the input files it names. An
 * example whose fence names a stand-in (```ts stand-in: NAME) runs unchanged against what STAND_INS provides in
 * place of what a test machine lacks: a checkpoint directory in the layout the example reads, made with the
 * library's own save functions under a temporary HOME, or an evaluation adapter in the free variable the example
 * uses; the stand-in then checks what the example wrote or printed. An example that asks for the WebGPU device is
 * skipped (with the reason) only where no adapter exists and none is required (see support/devices.ts).
 * @mmada/autograd's example also runs in its own test, which checks that its loss falls.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initTestDevice, webgpuStatus } from './support/devices.js';
import { readmeExamples, runExample, type ExampleHooks } from './support/readme-examples.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tinyTokenizer = join(root, 'packages/mmada/test/fixtures/tiny-tokenizer');

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
    cpSync(tinyTokenizer, join(dir, 'packages/mmada/test/fixtures/tiny-tokenizer'), { recursive: true });
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

/** Sets process.env[name] (or a global) for the example; the returned function puts the old value back. */
function setEnv(name: string, value: string): () => void {
  const old = process.env[name];
  process.env[name] = value;
  return () => {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  };
}
function setGlobal(name: string, value: unknown): () => void {
  const g = globalThis as Record<string, unknown>;
  g[name] = value;
  return () => void delete g[name];
}

/** What stands in for what an example reads and a test machine lacks, and what it checks afterwards. */
const STAND_INS: Record<string, ExampleHooks> = {
  /**
   * ~/models/MMaDA-8B-MixCoT: the zoo's mmada-tiny (random weights; max_sequence_length 512 holds the chat
   * prompt plus the example's 256 generated tokens) with the project's tiny tokenizer, written by saveModel.
   */
  'mmada-checkpoint': {
    async setup(dir) {
      const { key } = await import('@mmada/tensor');
      const M = await import('@mmada/mmada');
      const home = join(dir, 'home');
      const ckpt = join(home, 'models/MMaDA-8B-MixCoT');
      const model = M.createModel(M.MODEL_ZOO['mmada-tiny'], key(0), { std: 0.3 });
      const saved = await M.saveModel(model, ckpt)();
      M.disposeModel(model);
      if (saved._tag === 'Left') throw saved.left;
      for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(tinyTokenizer, f), join(ckpt, f));
      return setEnv('HOME', home);
    },
    check(_dir, printed) {
      expect(printed[0], printed.join('\n')).toMatch(/^weights need \d+(\.\d+)? [KMG]?B$/);
      expect(printed, 'the answer is printed').toHaveLength(2);
    },
  },
  /** ~/models/magvitv2: a 5-level tokenizer like the released one (16 pixels per token) with 8 channels and 6 bits. */
  magvitv2: {
    async setup(dir) {
      const { key } = await import('@mmada/tensor');
      const M = await import('@mmada/mmada');
      const { writePng } = await import('@mmada/image/node');
      const { createImage } = await import('@mmada/image');
      const home = join(dir, 'home');
      const config = M.vqConfig({
        ch: 8, encoderChMult: [1, 1, 1, 1, 1], encoderNumResBlocks: [1, 1, 1, 1, 1],
        decoderChMult: [1, 1, 1, 1, 1], decoderNumResBlocks: [1, 1, 1, 1, 1], bits: 6, normGroups: 4,
      });
      const vq = M.initImageTokenizer(config, key(0));
      const saved = await M.saveImageTokenizer(join(home, 'models/magvitv2'), vq)();
      M.disposeImageTokenizer(vq);
      if (saved._tag === 'Left') throw saved.left;
      await writePng(join(dir, 'photo.png'), createImage(320, 240, [200, 80, 40]));
      return setEnv('HOME', home);
    },
    async check(dir) {
      const { readPng } = await import('@mmada/image/node');
      const back = await readPng(join(dir, 'reconstructed.png'));
      if (back._tag === 'Left') throw new Error(String(back.left));
      expect([back.right.width, back.right.height]).toEqual([256, 256]);
    },
  },
  /**
   * `model`: a scripted TextModel that answers the first GSM8K question of gsm8k-test.jsonl right (7) and the
   * second wrong (13, not 12), so the harness's accuracy must be 0.5.
   */
  'gsm8k-adapter': {
    setup: () => setGlobal('model', {
      generate: async (prompt: string) => (prompt.includes('3 apples') ? '3 + 4 = 7\n#### 7' : 'The answer is 13.'),
    }),
    check(dir, printed) {
      expect(printed).toEqual(['0.5']);
      const summary = JSON.parse(readFileSync(join(dir, 'runs/gsm8k/summary.json'), 'utf8')) as { n: number };
      expect(summary.n).toBe(2);
    },
  },
  /**
   * `t2iModel`: a scripted TextToImageModel that draws the scene of the ShapesWorld test record with the prompt
   * (renderScene) given 8 or more steps, and an empty canvas with fewer, so the sweep must read 0 at 4 steps and
   * 1 from 8 on.
   */
  't2i-adapter': {
    async setup() {
      const { generateShapesWorld, renderScene } = await import('@mmada/eval');
      const scenes = new Map(generateShapesWorld('t2i', { split: 'test', count: 120 }).map((r) => [r.prompt.prompt, r.scene]));
      return setGlobal('t2iModel', {
        async textToImage(prompt: string, options?: { steps?: number }) {
          const scene = scenes.get(prompt);
          if (!scene) throw new Error(`no test record has the prompt "${prompt}"`);
          return renderScene((options?.steps ?? 0) >= 8 ? scene : { ...scene, objects: [] });
        },
      });
    },
    check(dir) {
      const sweep = JSON.parse(readFileSync(join(dir, 'runs/t2i-sweep/sweep.json'), 'utf8')) as Array<{ steps: number; accuracy: number }>;
      expect(sweep.map((p) => [p.steps, p.accuracy])).toEqual([[4, 0], [8, 1], [16, 1], [32, 1]]);
      expect(existsSync(join(dir, 'runs/t2i-sweep/steps-32/summary.json'))).toBe(true);
    },
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
      const name = `example ${i + 1} (line ${example.line})${example.standIn ? ` with the ${example.standIn} stand-in` : ''} runs`;
      it(name, async (ctx) => {
        if (/init\(\{\s*device:\s*'webgpu'/.test(example.code)) {
          const s = await webgpuStatus();
          if (!s.ok) ctx.skip(s.reason);
        }
        const standIn = example.standIn === undefined ? undefined : STAND_INS[example.standIn];
        if (example.standIn !== undefined && !standIn) throw new Error(`packages/${pkg}/README.md line ${example.line}: no stand-in "${example.standIn}"; expected one of ${Object.keys(STAND_INS).join(', ')}`);
        await initTestDevice();
        const printed = await runExample(example, {
          async setup(dir) {
            await SETUP[pkg]?.(dir);
            return standIn?.setup?.(dir);
          },
          check: standIn?.check,
        });
        const want = PRINTS[`${pkg}:${i + 1}`];
        if (want) expect(printed.some((l) => want.test(l)), printed.join('\n')).toBe(true);
      });
    });
  });
}
