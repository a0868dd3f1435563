// Bundles the playground page (src/main.ts → dist/playground.js) with esbuild for browsers. Each @mmada
// package resolves to its browser entry: by default its source (src/browser.ts, so no build is needed), or with
// --from-dist the built packages through the `browser` condition of their `exports`, as any bundler of the
// published packages would. Node-only code never enters the bundle; the build fails if any does.
import { build, type Metafile, type Plugin } from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

/** '@mmada/x' → the source file of its browser entry (or its index where the package has no Node-only code). */
function packageEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const dir of readdirSync(join(repo, 'packages'))) {
    const pkgFile = join(repo, 'packages', dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const { name } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string };
    const browser = join(repo, 'packages', dir, 'src', 'browser.ts');
    entries.set(name, existsSync(browser) ? browser : join(repo, 'packages', dir, 'src', 'index.ts'));
  }
  return entries;
}

const browserEntries: Plugin = {
  name: 'mmada-browser-entries',
  setup(b) {
    const entries = packageEntries();
    b.onResolve({ filter: /^@mmada\// }, (args) => {
      const path = entries.get(args.path);
      if (!path) return { errors: [{ text: `${args.path} has no browser entry (imported from ${args.importer})` }] };
      return { path };
    });
  },
};

// Imports only reached in Node, behind a runtime check: the `webgpu` addon (used when there is no
// navigator.gpu) and AsyncLocalStorage (used when `process.versions.node` exists).
const NODE_ONLY_DYNAMIC = ['webgpu', 'node:async_hooks'];

/**
 * Builds the bundle; resolves to esbuild's metafile. `from`: 'source' (default) or 'dist' (the packages' built
 * browser entries; run the build first). Rejects if an input is a Node built-in.
 */
export interface BuildOptions {
  readonly outfile?: string;
  readonly minify?: boolean;
  readonly from?: 'source' | 'dist';
}

export async function buildPlayground({ outfile = join(here, 'dist', 'playground.js'), minify = false, from = 'source' }: BuildOptions = {}): Promise<Metafile> {
  if (from !== 'source' && from !== 'dist') throw new Error(`buildPlayground: from must be 'source' or 'dist', got ${from}`);
  const result = await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify,
    metafile: true,
    logLevel: 'warning',
    external: NODE_ONLY_DYNAMIC,
    // From dist, packages resolve through node_modules and their exports, not the repository's tsconfig paths.
    ...(from === 'dist' ? { tsconfigRaw: {} } : { plugins: [browserEntries] }),
  });
  const bad = Object.keys(result.metafile.inputs).filter((p) => /^node:|(^|\/)node_modules\/(fs|path|zlib)\//.test(p));
  if (bad.length) throw new Error(`playground bundle: Node-only inputs ${bad.join(', ')}`);
  const out = Object.entries(result.metafile.outputs).find(([k]) => k.endsWith('.js'))![1];
  const staticNode = out.imports.filter((i) => i.kind === 'import-statement');
  if (staticNode.length) throw new Error(`playground bundle: static imports left in ${outfile}: ${staticNode.map((i) => i.path).join(', ')}`);
  return result.metafile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const meta = await buildPlayground({ minify: process.argv.includes('--minify'), from: process.argv.includes('--from-dist') ? 'dist' : 'source' });
  const [file, info] = Object.entries(meta.outputs).find(([k]) => k.endsWith('.js'))!;
  console.log(`playground: ${file} (${(info.bytes / 1024).toFixed(0)} KiB)`);
}
