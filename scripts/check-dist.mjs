// Imports every package's built dist/index.js in plain Node ESM (no bundler, no aliases), so a
// dependency import that only resolves under vitest or tsx is caught before publishing. A package with a
// `browser` export condition has its browser build imported too (it must load anywhere, Node included).
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

let failed = 0;
for (const dir of readdirSync('packages')) {
  const pkgPath = join('packages', dir, 'package.json');
  if (!existsSync(pkgPath)) continue;
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const entry = join('packages', dir, 'dist', 'index.js');
  if (!existsSync(entry)) {
    console.error(`check-dist: ${pkg.name}: ${entry} is missing (run the build first)`);
    failed++;
    continue;
  }
  const browser = pkg.exports?.['.']?.browser;
  for (const [what, file] of [['', entry], [' (browser)', browser && join('packages', dir, browser)]]) {
    if (!file) continue;
    try {
      const mod = await import(pathToFileURL(file).href);
      console.error(`check-dist: ${pkg.name}${what}: ${Object.keys(mod).length} exports`);
    } catch (e) {
      console.error(`check-dist: ${pkg.name}${what}: cannot be imported: ${e.message}`);
      failed++;
    }
  }
}
process.exit(failed ? 1 : 0);
