#!/usr/bin/env node
// Dawn's native limit warnings cannot be caught in-process: unless asked for (--verbose, MMADA_DAWN_WARNINGS=1),
// the CLI runs itself as a child with filtered stderr (filtered-stderr.ts).
import { fileURLToPath } from 'node:url';
import { DAWN_WARNINGS_ENV, runWithFilteredStderr, wantsFilteredStderr } from './filtered-stderr.js';

const argv = process.argv.slice(2);
if (wantsFilteredStderr(argv, process.env)) {
  process.exitCode = await runWithFilteredStderr(fileURLToPath(import.meta.url), argv);
} else {
  // --verbose is global: it keeps Dawn's warnings and is not a command's flag.
  if (argv.includes('--verbose')) process.env[DAWN_WARNINGS_ENV] = '1';
  const { processIO } = await import('./cli-io.js');
  const { runCli } = await import('./run-cli.js');
  process.exitCode = await runCli(argv.filter((a) => a !== '--verbose'), processIO);
}
