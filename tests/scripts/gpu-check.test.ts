// scripts/gpu-check.sh and the dependency walk that decides which node_modules it carries to a GPU machine.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gpu-check-'));
  dirs.push(d);
  return d;
}

/** A package folder with a package.json. */
function pkg(root: string, path: string, json: Record<string, unknown>): void {
  mkdirSync(join(root, path), { recursive: true });
  writeFileSync(join(root, path, 'package.json'), JSON.stringify(json));
}

function closure(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(scripts, 'gpu-check/dependency-closure.mjs'), ...args], { cwd, encoding: 'utf8' });
}

describe('dependency-closure.mjs', () => {
  it('walks dependencies, optional and installed peer dependencies, resolving nested copies as Node does', () => {
    const root = tempDir();
    pkg(root, 'node_modules/app', { dependencies: { lib: '1' }, optionalDependencies: { 'native-x': '1', missing: '1' }, peerDependencies: { peer: '1' } });
    pkg(root, 'node_modules/lib', { dependencies: { util: '2' } });
    pkg(root, 'node_modules/util', {}); // version 1 at the top
    pkg(root, 'node_modules/lib/node_modules/util', {}); // version 2, nested under lib: that one is lib's
    pkg(root, 'node_modules/native-x', {});
    pkg(root, 'node_modules/peer', { dependencies: { '@types/peer': '1' } });
    pkg(root, 'node_modules/@types/peer', {});
    pkg(root, 'node_modules/unrelated', {});
    const r = closure(root, 'app', '--exclude', '@types/', '--exclude', 'native-');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['node_modules/app', 'node_modules/lib', 'node_modules/lib/node_modules/util', 'node_modules/peer']);
  });

  it('fails naming a package that is not installed, and without a name', () => {
    const root = tempDir();
    const r = closure(root, 'nothing-here');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nothing-here is not installed under .*run npm ci first/);
    expect(closure(root).status).toBe(2);
  });
});

describe('gpu-check.sh', () => {
  /** A checkout with only the script: no node_modules, no .gpu-check. */
  function bareCheckout(): string {
    const root = tempDir();
    for (const f of ['gpu-check.sh', 'gpu-check/dependency-closure.mjs']) {
      mkdirSync(dirname(join(root, 'scripts', f)), { recursive: true });
      copyFileSync(join(scripts, f), join(root, 'scripts', f));
    }
    return root;
  }

  it('prints its usage and exits 2 without a command', () => {
    const r = spawnSync('bash', [join(bareCheckout(), 'scripts/gpu-check.sh')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/bash scripts\/gpu-check.sh pack/);
    expect(r.stdout).toMatch(/bash scripts\/gpu-check.sh run \[--out DIR\]/);
  });

  it('run says to pack first when the checkout has neither node_modules nor the packed vendor files', () => {
    const root = bareCheckout();
    const r = spawnSync('bash', [join(root, 'scripts/gpu-check.sh'), 'run', '--out', join(root, 'out')], { encoding: 'utf8', env: { ...process.env, GPU_CHECK_WORK: join(root, 'work') } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no node_modules and no \.gpu-check\/vendor\.tar\.xz: run 'bash scripts\/gpu-check\.sh pack' first/);
  });

  it('pack refuses to run before npm ci', () => {
    const r = spawnSync('bash', [join(bareCheckout(), 'scripts/gpu-check.sh'), 'pack'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/node_modules\/webgpu is missing: run npm ci first/);
  });

  it('rejects an unknown option of run', () => {
    const r = spawnSync('bash', [join(bareCheckout(), 'scripts/gpu-check.sh'), 'run', '--fast'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --fast/);
  });
});
