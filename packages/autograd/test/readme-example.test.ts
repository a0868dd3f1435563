import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';

it('the README training example runs and its loss falls', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const dir = await mkdtemp(join(tmpdir(), 'autograd-readme-'));
  const file = join(dir, 'example.ts');
  await writeFile(file, code);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ file);
    const losses = log.mock.calls.map((c) => Number(/loss ([\d.]+)/.exec(String(c[0]))![1]));
    expect(losses).toHaveLength(3);
    expect(losses[2]!).toBeLessThan(losses[0]!);
  } finally {
    log.mockRestore();
    await rm(dir, { recursive: true, force: true });
  }
});
