/** The chat / reasoning panel and the understanding panel: a question in, the answer streamed as it unmasks. */
import { generateShapesWorld, renderScene, type UnderstandingRecord } from '@mmada/eval';
import type { RgbImage } from '@mmada/image';
import { byId, setState } from './dom.js';
import { readSamplerPanel } from './sampler-panel.js';
import { refreshStatus, showSpeed } from './status-line.js';
import { streamedText, nextFrame } from './streamed-text.js';
import { runChat, runUnderstanding, type Loaded, type TextResult, type UnderstandingResult } from './tasks.js';
import { SketchPad } from './sketch-pad.js';

export interface TextPanelResults {
  chat?: TextResult & { readonly seed: number; readonly message: string; readonly seconds: number };
  understanding?: UnderstandingResult & { readonly seed: number; readonly question: string; readonly image: RgbImage; readonly seconds: number };
}

// One task at a time: without AsyncLocalStorage, memory scopes are a plain stack, which is only correct for
// scopes that do not interleave across await.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `work` after any task already running, with the panel marked busy, showing a failure in the panel
 * instead of losing it.
 */
export function inPanel<T>(panel: HTMLElement, work: () => Promise<T>): Promise<T | undefined> {
  setState(panel, 'busy', 'waiting for the running task…');
  const run = queue.then(async () => {
    setState(panel, 'busy', 'running…');
    try {
      const r = await work();
      setState(panel, 'done', '');
      return r;
    } catch (e) {
      setState(panel, 'error', (e as Error).message);
      console.error(e);
      return undefined;
    } finally {
      refreshStatus();
    }
  });
  queue = run;
  return run;
}

/** Held-out ShapesWorld items to pick from, per panel. */
const HELD_OUT = 20;

export function setUpChatPanel(loaded: Loaded, results: TextPanelResults): void {
  const panel = byId('chat');
  const out = byId('chat-answer');
  const pick = byId<HTMLSelectElement>('chat-pick');
  const message = byId<HTMLTextAreaElement>('chat-message');
  // Held-out ShapesWorld arithmetic, the kind of question the shipped model was trained to reason about.
  const items = generateShapesWorld('reasoning', { split: 'test', count: HELD_OUT });
  items.forEach((item, i) => pick.add(new Option(`held-out question ${i}: ${item.problem.question}`, String(i))));
  const load = () => (message.value = items[Number(pick.value)]!.problem.question);
  pick.addEventListener('change', load);
  load();
  byId<HTMLButtonElement>('chat-run').addEventListener('click', () =>
    void inPanel(panel, async () => {
      const { seed, text } = readSamplerPanel();
      if (message.value.trim() === '') throw new Error('write a message first');
      const t0 = performance.now();
      const r = await runChat(loaded, message.value, seed, text, async (answer) => {
        out.textContent = streamedText(answer, loaded.tokenizer);
        await nextFrame();
      });
      const seconds = (performance.now() - t0) / 1000;
      out.textContent = r.text;
      showSpeed('chat', r.ids.length, seconds);
      results.chat = { ...r, seed, message: message.value, seconds };
    }),
  );
}

export function setUpUnderstandingPanel(loaded: Loaded, results: TextPanelResults): void {
  const panel = byId('understanding');
  const out = byId('understanding-answer');
  const pick = byId<HTMLSelectElement>('scene-pick');
  const question = byId<HTMLInputElement>('understanding-question');
  const items: UnderstandingRecord[] = generateShapesWorld('understanding', { split: 'test', count: HELD_OUT });
  const pad = new SketchPad(byId<HTMLCanvasElement>('scene-canvas'), byId('palette'));
  items.forEach((item, i) => pick.add(new Option(`held-out scene ${i}: ${item.question.question}`, String(i))));
  const load = () => {
    const item = items[Number(pick.value)]!;
    pad.setImage(renderScene(item.scene));
    question.value = item.question.question;
    byId('understanding-gold').textContent = `reference answer: ${item.question.answer}`;
  };
  pick.addEventListener('change', load);
  byId<HTMLButtonElement>('scene-clear').addEventListener('click', () => {
    pad.clear();
    byId('understanding-gold').textContent = 'your drawing: no reference answer';
  });
  load();
  byId<HTMLButtonElement>('understanding-run').addEventListener('click', () =>
    void inPanel(panel, async () => {
      const { seed, text } = readSamplerPanel();
      const image = pad.image();
      const t0 = performance.now();
      const r = await runUnderstanding(loaded, image, question.value, seed, text, async (answer) => {
        out.textContent = streamedText(answer, loaded.tokenizer);
        await nextFrame();
      });
      const seconds = (performance.now() - t0) / 1000;
      out.textContent = r.text;
      showSpeed('understanding', r.ids.length, seconds);
      results.understanding = { ...r, seed, question: question.value, image, seconds };
    }),
  );
}
