// Imports every package's built dist/index.js in plain Node ESM (no bundler, no aliases), so a
// dependency import that only resolves under vitest or tsx is caught before publishing.
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
  try {
    const mod = await import(pathToFileURL(entry).href);
    console.error(`check-dist: ${pkg.name}: ${Object.keys(mod).length} exports`);
  } catch (e) {
    console.error(`check-dist: ${pkg.name}: cannot be imported: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
