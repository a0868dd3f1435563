/**
 * The committed `mmada` bin shim (bin/mmada.js): npm links it on a fresh clone before dist/ exists, and it runs
 * dist/main.js with the arguments untouched, or says how to build it. Exercised on a copy next to a stand-in
 * dist/main.js, so the test needs no build; .ci/run runs the real `npx mmada --help` from a clean checkout.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const shim = join(pkgDir, 'bin', 'mmada.js');
const tmp = mkdtempSync(join(tmpdir(), 'mmada-shim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A package directory holding a copy of the shim and, when `main` is given, a dist/main.js with that source. */
function fakePackage(name: string, main?: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(shim, join(dir, 'bin', 'mmada.js'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  if (main !== undefined) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'main.js'), main);
  }
  return join(dir, 'bin', 'mmada.js');
}

describe('bin/mmada.js', () => {
  it('is the package bin: executable, with a node shebang', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ mmada: './bin/mmada.js' });
    expect(pkg.files).toContain('bin');
    accessSync(shim, constants.X_OK);
    expect(readFileSync(shim, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('runs dist/main.js with the arguments as given', () => {
    const bin = fakePackage('built', 'console.log(JSON.stringify(process.argv.slice(2)));\n');
    const r = spawnSync(process.execPath, [bin, 'generate', '--prompt', 'a b', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['generate', '--prompt', 'a b', '--help']);
  });

  it('exits 1 naming dist/main.js and the build command when the CLI is not built', () => {
    const bin = fakePackage('unbuilt');
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(tmp, 'unbuilt', 'dist', 'main.js'));
    expect(r.stderr).toContain('npm run build');
  });
});
