/** The playground's Node-side parts and pure helpers: static server, bundle, sampler checks, streamed text, kernel tolerances. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '@mmada/tensor';
import { loadImageTokenizer, loadTextTokenizer, type ImageTokenizer, type TextTokenizer } from '@mmada/mmada';
import { buildPlayground } from '../../examples/playground/build.js';
import { resolveRequest, startServer } from '../../examples/playground/serve.js';
import { DEFAULT_IMAGE_SAMPLER, DEFAULT_TEXT_SAMPLER, imageSamplerProblem, previewCodes, textSamplerProblem } from '../../examples/playground/src/tasks.js';
import { MASK_GLYPH, streamedText } from '../../examples/playground/src/streamed-text.js';
import { firstMismatch, pageAtol } from '../../examples/playground/src/kernel-parity.js';

const repo = resolve(__dirname, '..', '..');
const page = join(repo, 'examples', 'playground');
let tok: TextTokenizer;
let vq: ImageTokenizer;

beforeAll(async () => {
  await init({ device: 'cpu' });
  const t = await loadTextTokenizer(join(repo, 'models/mmada-tiny'))();
  const v = await loadImageTokenizer(join(repo, 'models/mmada-tiny/vq'), { device: 'cpu' })();
  if (E.isLeft(t) || E.isLeft(v)) throw new Error('cannot load models/mmada-tiny');
  tok = t.right;
  vq = v.right;
});

describe('serve.ts', () => {
  it('maps the page, its bundle and models/, and nothing outside them', () => {
    expect(resolveRequest('/')).toBe(join(page, 'index.html'));
    expect(resolveRequest('/dist/playground.js?v=1')).toBe(join(page, 'dist', 'playground.js'));
    expect(resolveRequest('/models/mmada-tiny/config.json')).toBe(join(repo, 'models', 'mmada-tiny', 'config.json'));
    for (const bad of ['/models/../package.json', '/models/%2e%2e/package.json', '/dist/../serve.ts', '/package.json', '/models/a%00b', '/models/%E0%A4%A', '/models/']) {
      expect(resolveRequest(bad), bad).toBeUndefined();
    }
  });

  it('answers files with their type, 404 for the rest and 405 for other methods', async () => {
    const { server, url } = await startServer({ port: 0 });
    try {
      const ok = await fetch(`${url}models/mmada-tiny/config.json`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('application/json');
      expect(await ok.text()).toBe(readFileSync(join(repo, 'models/mmada-tiny/config.json'), 'utf8'));
      expect((await fetch(`${url}models/mmada-tiny/nothing.json`)).status).toBe(404);
      expect((await fetch(`${url}models/mmada-tiny`)).status).toBe(404);
      expect((await fetch(`${url}`, { method: 'POST' })).status).toBe(405);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('build.ts', () => {
  it('bundles from the browser entries, with no Node built-in among the inputs', async () => {
    const meta = await buildPlayground({ outfile: join(repo, 'runs', 'playground-build-test', 'playground.js') });
    const inputs = Object.keys(meta.inputs);
    for (const entry of ['packages/tensor/src/browser.ts', 'packages/mmada/src/browser.ts', 'packages/eval/src/browser.ts', 'packages/autograd/src/browser.ts']) {
      expect(inputs).toContain(entry);
    }
    // The Node-only halves never enter: reading paths, writing checkpoints, datasets, training.
    for (const nodeOnly of ['packages/tensor/src/io/safetensors-file.ts', 'packages/mmada/src/checkpoint/load-model.ts', 'packages/mmada/src/training/train-sft.ts', 'packages/eval/src/harness/evaluate.ts']) {
      expect(inputs).not.toContain(nodeOnly);
    }
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
  });

  it('bundles the built packages through the `browser` condition of their exports', async (ctx) => {
    // Needs `npm run build` (CI builds before testing); a missing or older build than the sources is skipped.
    const stale = readdirSync(join(repo, 'packages')).filter((d) => {
      const src = join(repo, 'packages', d, 'src', 'browser.ts');
      const built = join(repo, 'packages', d, 'dist', 'browser.js');
      return existsSync(src) && (!existsSync(built) || statSync(built).mtimeMs < statSync(src).mtimeMs);
    });
    if (stale.length) ctx.skip(`packages not built since their browser entry changed: ${stale.join(', ')} (npm run build)`);
    const meta = await buildPlayground({ outfile: join(repo, 'runs', 'playground-build-test', 'from-dist.js'), from: 'dist' });
    const inputs = Object.keys(meta.inputs);
    for (const pkg of ['tensor', 'autograd', 'mmada', 'eval']) {
      expect(inputs).toContain(`packages/${pkg}/dist/browser.js`);
      expect(inputs).not.toContain(`packages/${pkg}/dist/index.js`);
    }
    expect(inputs.filter((i) => i.includes('/src/') && i.startsWith('packages/') && !i.includes('/test/'))).toEqual([]);
  });
});

describe('sampler settings', () => {
  it('accepts the defaults and names the field of a setting it refuses', () => {
    expect(textSamplerProblem(DEFAULT_TEXT_SAMPLER)).toBeUndefined();
    expect(textSamplerProblem({ ...DEFAULT_TEXT_SAMPLER, genLength: 0 })).toBe('genLength must be a positive integer, got 0');
    expect(textSamplerProblem({ ...DEFAULT_TEXT_SAMPLER, blockLength: 24 })).toBe('blockLength must divide genLength (64), got 24');
    expect(textSamplerProblem({ ...DEFAULT_TEXT_SAMPLER, steps: 6 })).toBe('steps must be a positive multiple of the 4 blocks, got 6');
    expect(textSamplerProblem({ ...DEFAULT_TEXT_SAMPLER, steps: 6, threshold: 0.9 })).toBeUndefined();
    expect(textSamplerProblem({ ...DEFAULT_TEXT_SAMPLER, temperature: -1 })).toBe('temperature must be ≥ 0, got -1');
    expect(textSamplerProblem({ ...DEFAULT_TEXT_SAMPLER, threshold: 1.5 })).toBe('threshold must be in (0, 1], got 1.5');
    expect(imageSamplerProblem(DEFAULT_IMAGE_SAMPLER)).toBeUndefined();
    expect(imageSamplerProblem({ ...DEFAULT_IMAGE_SAMPLER, steps: 0 })).toBe('image steps must be a positive integer, got 0');
    expect(imageSamplerProblem({ ...DEFAULT_IMAGE_SAMPLER, temperature: -0.5 })).toBe('image temperature must be ≥ 0, got -0.5');
    expect(imageSamplerProblem({ ...DEFAULT_IMAGE_SAMPLER, guidance: Number.NaN })).toBe('image guidance must be in [0, 100], got NaN');
    expect(imageSamplerProblem({ ...DEFAULT_IMAGE_SAMPLER, planFirst: 'yes' as unknown as boolean })).toBe('planFirst must be true or false, got yes');
    expect(DEFAULT_IMAGE_SAMPLER.planFirst).toBe(true);
  });
});

describe('streamedText', () => {
  it('decodes the committed runs, shows each masked position, and drops end-of-text padding', () => {
    const s = tok.specialTokens;
    const [a, b] = [tok.encode('red'), tok.encode(' circle')];
    expect(streamedText([...a, s.mask, s.mask, ...b, s.eos, s.eos], tok)).toBe(`red${MASK_GLYPH}${MASK_GLYPH}${tok.decode(b)}`);
    expect(streamedText([s.mask, s.mask], tok)).toBe(MASK_GLYPH.repeat(2));
    expect(streamedText([...a, ...b], tok)).toBe(tok.decode([...a, ...b]));
  });
});

describe('previewCodes', () => {
  it('decodes the known codes and paints masked cells grey', async () => {
    // The shipped tokenizer's grid: 32 px over 2^(levels − 1) per token side (a 4×4 grid of 8-px cells at ×8).
    const grid = 32 >> (vq.config.encoderChMult.length - 1);
    const cell = 32 / grid;
    const codes = Array.from({ length: grid * grid }, (_, i) => (i * 37 + 5) % 64);
    expect(codes.length).toBe(16);
    // A masked cell is decoded as code 0 (the decoder mixes neighbours), then painted over.
    const full = await previewCodes(vq, codes);
    const part = await previewCodes(vq, codes.map((c, i) => (i === 1 ? -1 : c)));
    expect([part.width, part.height]).toEqual([32, 32]);
    const at = (img: typeof full, x: number, y: number) => Array.from(img.data.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
    // Cell 1 is the second cell of the top row.
    expect(at(part, cell + 1, 1)).toEqual([128, 128, 128]);
    expect(at(part, 2 * cell - 1, cell - 1)).toEqual([128, 128, 128]);
    // far from the masked cell the picture is the unmasked one (the decoder mixes only nearby cells)
    expect(at(part, 3, 31)).toEqual(at(full, 3, 31));
  });
});

describe('kernel check tolerances', () => {
  it('firstMismatch names the first element outside atol + rtol·|want|; NaN meets NaN', () => {
    expect(firstMismatch([1, 2.00001, NaN, Infinity], [1, 2, NaN, Infinity], 1e-5, 1e-5)).toBeUndefined();
    expect(firstMismatch([1, 2.1], [1, 2], 1e-5, 1e-5)).toBe('element 1: got 2.1, expected 2');
    expect(firstMismatch([0], [NaN], 1, 1)).toBe('element 0: got 0, expected NaN');
    expect(firstMismatch([1], [1, 2], 0, 0)).toBe('length 1, expected 2');
  });

  it('sin and cos get WGSL’s 2^-11, every other case keeps its own tolerance', () => {
    expect(pageAtol({ name: 'sin', atol: 2e-5 })).toBe(2 ** -11);
    expect(pageAtol({ name: 'cos of transposed', atol: 2e-5 })).toBe(2 ** -11);
    expect(pageAtol({ name: 'exp', atol: 2e-5 })).toBe(2e-5);
    expect(pageAtol({ name: 'add' })).toBe(1e-5);
  });
});
