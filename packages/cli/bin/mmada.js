#!/usr/bin/env node
// The `mmada` command. This file is committed (dist/ is built), so `npm ci` can link it into node_modules/.bin
// on a fresh clone before anything is built; it runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(`mmada: ${fileURLToPath(main)} does not exist: build the CLI first (npm run build at the repository root)\n`);
  process.exit(1);
}
await import(main.href);
