/**
 * Every package's browser entry (src/browser.ts, the `browser` export condition) is a part of its Node entry:
 * the same functions, not copies, so code bundled for a browser behaves as it does under Node.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = resolve(__dirname, '..', '..', 'packages');
const withBrowserEntry = readdirSync(packages).filter((d) => existsSync(join(packages, d, 'src', 'browser.ts')));

describe('browser entries', () => {
  it('exist for the packages with Node-only code', () => {
    expect(withBrowserEntry).toEqual(expect.arrayContaining(['autograd', 'eval', 'mmada', 'tensor']));
  });

  for (const dir of withBrowserEntry) {
    it(`${dir}: browser.ts exports a subset of index.ts, binding for binding, and package.json points the browser condition at its build`, async () => {
      const browser = (await import(pathToFileURL(join(packages, dir, 'src', 'browser.ts')).href)) as Record<string, unknown>;
      const node = (await import(pathToFileURL(join(packages, dir, 'src', 'index.ts')).href)) as Record<string, unknown>;
      const names = Object.keys(browser);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(node[name], `${dir}: ${name}`).toBe(browser[name]);
      expect(Object.keys(node).length).toBeGreaterThan(names.length);
      const pkg = JSON.parse(readFileSync(join(packages, dir, 'package.json'), 'utf8'));
      expect(pkg.exports['.'].browser).toBe('./dist/browser.js');
      expect(readFileSync(join(packages, dir, 'tsup.config.ts'), 'utf8')).toContain("'src/browser.ts'");
    });
  }
});
