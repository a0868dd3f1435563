/** The status line: device, adapter, the last run's speed, and live tensor memory. */
import { memory } from '@mmada/tensor';
import type { DeviceChoice } from './device.js';
import { byId } from './dom.js';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

let choice: DeviceChoice | undefined;
let speed = '';

function render(): void {
  const m = memory();
  const parts = [
    choice ? `device ${choice.device}` : 'device: starting',
    choice ? `adapter ${choice.adapter}` : '',
    speed,
    `memory ${m.tensors} tensors, ${mib(m.bytes)}`,
  ].filter(Boolean);
  byId('status').textContent = parts.join(' · ');
}

export function showDevice(c: DeviceChoice): void {
  choice = c;
  const warning = byId('device-warning');
  warning.textContent = c.fallback ?? '';
  warning.hidden = c.fallback === undefined;
  render();
}

/** Records a finished run: `tokens` decided in `seconds`. */
export function showSpeed(what: string, tokens: number, seconds: number): void {
  speed = `${what}: ${tokens} tokens in ${seconds.toFixed(2)} s (${(tokens / seconds).toFixed(1)} tokens/s)`;
  render();
}

export function refreshStatus(): void {
  render();
}
