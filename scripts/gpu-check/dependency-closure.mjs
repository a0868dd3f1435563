// Prints the node_modules folders (relative to the current directory) that the named packages need at run time:
// each package, its dependencies, optional dependencies and installed peers, transitively. Folders matching an
// --exclude prefix (e.g. @types/, or optional native add-ons a run does not load) are left out with their
// dependencies. Used by scripts/gpu-check.sh to carry a minimal node_modules to a machine without npm.
//   node scripts/gpu-check/dependency-closure.mjs vitest fp-ts --exclude @types/ --exclude lightningcss
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const args = process.argv.slice(2);
const names = [];
const excludes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--exclude') excludes.push(args[++i]);
  else names.push(args[i]);
}
if (names.length === 0) {
  console.error('dependency-closure: name at least one package');
  process.exit(2);
}
const root = process.cwd();
const excluded = (name) => excludes.some((e) => name.startsWith(e));

/** The folder of package `name` as Node resolves it from `from` (walking up the node_modules folders). */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const p = join(dir, 'node_modules', name);
    if (existsSync(join(p, 'package.json'))) return p;
    if (dirname(dir) === dir) return null;
  }
}

const seen = new Set();
function walk(dir) {
  if (seen.has(dir)) return;
  seen.add(dir);
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies, ...pj.peerDependencies })) {
    if (excluded(dep)) continue;
    const p = resolvePackage(dep, dir);
    if (p) walk(p); // an uninstalled optional or peer dependency is simply absent
  }
}
for (const name of names) {
  const p = resolvePackage(name, root);
  if (!p) {
    console.error(`dependency-closure: ${name} is not installed under ${root} (run npm ci first)`);
    process.exit(1);
  }
  walk(p);
}
console.log([...seen].map((p) => relative(root, p)).sort().join('\n'));
