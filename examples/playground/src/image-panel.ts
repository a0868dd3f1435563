/** The text-to-image panel: a prompt → the image appearing as MaskGIT unmasks it → the pixel verifier's verdict. */
import { generateShapesWorld, type T2IRecord } from '@mmada/eval';
import { byId } from './dom.js';
import { drawImage } from './dom.js';
import { readSamplerPanel } from './sampler-panel.js';
import { showSpeed } from './status-line.js';
import { nextFrame } from './streamed-text.js';
import { previewCodes, runTextToImage, type ImageResult, type Loaded } from './tasks.js';
import { inPanel } from './text-panels.js';

export interface ImagePanelResults {
  t2i?: ImageResult & { readonly seed: number; readonly prompt: string; readonly seconds: number };
}

const HELD_OUT = 20;

export function setUpImagePanel(loaded: Loaded, results: ImagePanelResults): void {
  const panel = byId('t2i');
  const pick = byId<HTMLSelectElement>('t2i-pick');
  const prompt = byId<HTMLInputElement>('t2i-prompt');
  const canvas = byId<HTMLCanvasElement>('t2i-canvas');
  const verdict = byId('t2i-verdict');
  const planText = byId('t2i-plan');
  const items: T2IRecord[] = generateShapesWorld('t2i', { split: 'test', count: HELD_OUT });
  items.forEach((item, i) => pick.add(new Option(`held-out prompt ${i}: ${item.prompt.prompt}`, String(i))));
  const load = () => (prompt.value = items[Number(pick.value)]!.prompt.prompt);
  pick.addEventListener('change', load);
  load();
  byId<HTMLButtonElement>('t2i-run').addEventListener('click', () =>
    void inPanel(panel, async () => {
      const { seed, image } = readSamplerPanel();
      // The verifier needs the structured prompt: it judges only when the text is a ShapesWorld prompt's.
      const structured = items.find((i) => i.prompt.prompt === prompt.value.trim())?.prompt;
      verdict.textContent = '';
      planText.textContent = '';
      const t0 = performance.now();
      const r = await runTextToImage(
        loaded, structured ?? prompt.value, seed, image,
        async (codes) => {
          drawImage(canvas, await previewCodes(loaded.imageTokenizer, codes));
          await nextFrame();
        },
        async (plan) => {
          planText.textContent = `plan: ${plan}`;
          await nextFrame();
        },
      );
      const seconds = (performance.now() - t0) / 1000;
      drawImage(canvas, r.image);
      showSpeed('text-to-image', r.codes.length, seconds);
      verdict.textContent = r.verdict
        ? r.verdict.correct
          ? 'verifier: the image satisfies the prompt'
          : `verifier: ${r.verdict.reasons.join('; ')}`
        : 'verifier: not a ShapesWorld prompt, so nothing to check against';
      verdict.dataset.correct = String(r.verdict?.correct ?? '');
      results.t2i = { ...r, seed, prompt: prompt.value, seconds };
    }),
  );
}
