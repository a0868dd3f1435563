/**
 * The code examples of a README, run as modules: every ```ts block that starts with an import is a complete
 * example; blocks without imports are fragments of the export tables and are not run. An example that reads
 * something a test machine lacks (an 8B checkpoint in ~/models, an evaluation adapter in a free variable) names in
 * its fence the stand-in a test provides instead (```ts stand-in: mmada-checkpoint), and its code stays as a
 * reader would copy it.
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
  /** The stand-in the fence names (```ts stand-in: NAME), or undefined when the example runs as it is. */
  readonly standIn: string | undefined;
}

/** The complete examples (blocks starting with an import) of the README at `path`. */
export function readmeExamples(path: string): ReadmeExample[] {
  const text = readFileSync(path, 'utf8');
  const out: ReadmeExample[] = [];
  const fence = /^```ts([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const code = m[2]!;
    if (!/^\s*import\s/.test(code)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const info = m[1]!.trim();
    const standIn = /^stand-in:\s*(\S+)$/.exec(info)?.[1];
    if (info !== '' && standIn === undefined) throw new Error(`${path}: line ${line}: the fence says "${info}"; expected nothing or "stand-in: NAME"`);
    out.push({ line, code, standIn });
  }
  return out;
}

/** What a test does around one example: `setup` fills the working directory and may return an undo step. */
export interface ExampleHooks {
  /** Puts input files in `dir`; what it returns runs after the example, however it ended (restore HOME, …). */
  readonly setup?: (dir: string) => void | (() => void) | Promise<void | (() => void)>;
  /** Runs after the example succeeded, before `dir` is removed: checks the files it wrote and what it printed. */
  readonly check?: (dir: string, printed: readonly string[]) => void | Promise<void>;
}

/**
 * Runs an example as an ES module from a fresh temporary directory (the working directory while it runs, so the
 * files it writes land there). Resolves to what it logged.
 */
export async function runExample(example: ReadmeExample, hooks: ExampleHooks = {}): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'readme-example-'));
  const file = join(dir, `example-${example.line}.ts`);
  writeFileSync(file, example.code);
  const cwd = process.cwd();
  const log = console.log;
  const lines: string[] = [];
  let undo: void | (() => void) = undefined;
  try {
    undo = await hooks.setup?.(dir);
    console.log = (...args: unknown[]) => void lines.push(format(...args));
    process.chdir(dir);
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    console.log = log;
    await hooks.check?.(dir, lines);
    return lines;
  } finally {
    console.log = log;
    process.chdir(cwd);
    undo?.();
    rmSync(dir, { recursive: true, force: true });
  }
}
