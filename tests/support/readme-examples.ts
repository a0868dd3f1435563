/**
 * The code examples of a README, run as modules: every ```ts block that starts with an import is a complete
 * example. A block whose fence says what it needs (```ts needs: a GPU with 20 GB) is listed with that reason, so a
 * test can skip it saying why; blocks without imports are fragments of the export tables and are not run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

export interface ReadmeExample {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  /** What the example needs that a test machine lacks (from the fence), or undefined when it must run. */
  readonly needs: string | undefined;
}

/** The complete examples (blocks starting with an import) of the README at `path`. */
export function readmeExamples(path: string): ReadmeExample[] {
  const text = readFileSync(path, 'utf8');
  const out: ReadmeExample[] = [];
  const fence = /^```ts([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const code = m[2]!;
    if (!/^\s*import\s/.test(code)) continue;
    const needs = /^\s+needs:\s*(.+)$/.exec(m[1]!)?.[1]?.trim();
    out.push({ line: text.slice(0, m.index).split('\n').length, code, needs });
  }
  return out;
}

/**
 * Runs an example as an ES module from a fresh temporary directory (the working directory while it runs, so the
 * files it writes land there); `setup` may put input files in it first. Resolves to what it logged.
 */
export async function runExample(example: ReadmeExample, setup?: (dir: string) => void | Promise<void>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'readme-example-'));
  const file = join(dir, `example-${example.line}.ts`);
  writeFileSync(file, example.code);
  const cwd = process.cwd();
  const log = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => void lines.push(format(...args));
  try {
    await setup?.(dir);
    process.chdir(dir);
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    return lines;
  } finally {
    console.log = log;
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}
