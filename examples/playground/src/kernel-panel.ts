/** The kernel panel: the op parity suite on this page's WebGPU device against the cpu reference. */
import { byId } from './dom.js';
import { runKernelParity, PARITY_CASE_NAMES, type ParityOutcome } from './kernel-parity.js';
import { inPanel } from './text-panels.js';
import type { DeviceChoice } from './device.js';

export interface KernelPanelResults {
  kernels?: readonly ParityOutcome[];
}

export function setUpKernelPanel(device: DeviceChoice, results: KernelPanelResults): void {
  const panel = byId('kernels');
  const filter = byId<HTMLInputElement>('kernel-filter');
  const summary = byId('kernel-summary');
  const list = byId('kernel-failures');
  byId<HTMLButtonElement>('kernel-run').addEventListener('click', () =>
    void inPanel(panel, async () => {
      if (device.device !== 'webgpu') throw new Error('no WebGPU device on this page: there is nothing to compare against the cpu reference');
      // A comma-separated list of name prefixes picks a subset; empty runs every case.
      const prefixes = filter.value.split(',').map((p) => p.trim()).filter(Boolean);
      const select = (name: string) => prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
      list.textContent = '';
      const outcomes = await runKernelParity(select, [1, 2, 3], (o, done, total) => {
        summary.textContent = `${done} / ${total} cases`;
        if (o.failure) list.append(Object.assign(document.createElement('li'), { textContent: `${o.name}: ${o.failure}` }));
      });
      const failed = outcomes.filter((o) => o.failure).length;
      summary.textContent = `${outcomes.length - failed} of ${outcomes.length} cases match the cpu reference (of ${PARITY_CASE_NAMES.length} in the suite)`;
      results.kernels = outcomes;
    }),
  );
}
