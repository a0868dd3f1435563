/**
 * The playground page: picks the device, fetches models/mmada-tiny from the page's origin, and wires the
 * panels. `window.playground` holds the state the panels produce (read by the end-to-end test).
 */
import { fetchImageTokenizer, fetchModel, fetchTextTokenizer } from '@mmada/mmada';
import type { DeviceName } from '@mmada/tensor';
import * as E from 'fp-ts/lib/Either.js';
import { chooseDevice, type DeviceChoice } from './device.js';
import { byId } from './dom.js';
import { setUpImagePanel, type ImagePanelResults } from './image-panel.js';
import { setUpKernelPanel, type KernelPanelResults } from './kernel-panel.js';
import { resetSamplerPanel } from './sampler-panel.js';
import { refreshStatus, showDevice } from './status-line.js';
import type { Loaded } from './tasks.js';
import { setUpChatPanel, setUpUnderstandingPanel, type TextPanelResults } from './text-panels.js';

export interface PlaygroundState {
  device?: DeviceChoice;
  /** 'loading' until the model is on the device, then 'ready' (or 'failed' with `error`). */
  status: 'loading' | 'ready' | 'failed';
  error?: string;
  results: TextPanelResults & ImagePanelResults & KernelPanelResults;
}

declare global {
  interface Window {
    playground: PlaygroundState;
  }
}

const must = <A>(e: E.Either<Error, A>, what: string): A => {
  if (E.isLeft(e)) throw new Error(`${what}: ${e.left.message}`);
  return e.right;
};

async function start(state: PlaygroundState): Promise<void> {
  const params = new URLSearchParams(location.search);
  const wanted = (params.get('device') ?? 'webgpu') as DeviceName;
  if (wanted !== 'webgpu' && wanted !== 'cpu') throw new Error(`?device= must be webgpu or cpu, got ${wanted}`);
  const deviceSelect = byId<HTMLSelectElement>('device');
  deviceSelect.value = wanted;
  deviceSelect.addEventListener('change', () => {
    params.set('device', deviceSelect.value);
    location.search = params.toString();
  });
  const device = await chooseDevice(wanted);
  state.device = device;
  showDevice(device);
  const url = new URL(params.get('model') ?? 'models/mmada-tiny', location.href).href;
  byId('model-url').textContent = url;
  const [model, tokenizer, imageTokenizer] = await Promise.all([
    fetchModel(url, { device: device.device })().then((r) => must(r, 'model')),
    fetchTextTokenizer(url)().then((r) => must(r, 'text tokenizer')),
    fetchImageTokenizer(`${url}/vq`, { device: device.device })().then((r) => must(r, 'image tokenizer')),
  ]);
  const loaded: Loaded = { model, tokenizer, imageTokenizer };
  resetSamplerPanel();
  byId<HTMLButtonElement>('sampler-reset').addEventListener('click', resetSamplerPanel);
  setUpChatPanel(loaded, state.results);
  setUpUnderstandingPanel(loaded, state.results);
  setUpImagePanel(loaded, state.results);
  setUpKernelPanel(device, state.results);
  state.status = 'ready';
  document.body.dataset.status = 'ready';
  refreshStatus();
}

const state: PlaygroundState = { status: 'loading', results: {} };
window.playground = state;
start(state).catch((e: Error) => {
  state.status = 'failed';
  state.error = e.message;
  document.body.dataset.status = 'failed';
  byId('load-error').textContent = `The playground could not start: ${e.message}`;
  console.error(e);
});
