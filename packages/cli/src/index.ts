/**
 * @mmada/cli — the `mmada` command as a library: its command table and runner, for embedding or for adding
 * subcommands. This file is the public surface and nothing else.
 */
export type { CliIO } from './cli-io.js';
export { processIO, progressSink } from './cli-io.js';
export type { Command } from './command.js';
export { COMMANDS } from './command-table.js';
export { runCli } from './run-cli.js';
export { UsageError } from './usage-error.js';
export { parseFlags, COMMON_FLAGS } from './parse-flags.js';
export type { FlagSpec } from './parse-flags.js';
export { integerFlag, numberFlag, choiceFlag, idListFlag } from './flag-values.js';
export { initDevice } from './device-flag.js';
export { loadModelWithProgress, loadTokenizerIfPresent } from './load-for-command.js';
export { generateCommand } from './commands/generate.js';
export { forwardCommand } from './commands/forward.js';
export { infoCommand } from './commands/info.js';
export { evalCommand, EVAL_TASKS } from './commands/eval.js';
export type { EvalTaskName } from './commands/eval.js';
export {
  textModelAdapter, understandingModelAdapter, textToImageAdapter, likelihoodChoiceScorer, modelChoiceScorer, imageCodes, imageInputPixels,
  hashText, keyFor,
} from './model-adapter.js';
export type { TextAdapterOptions, ImageAdapterOptions, TextToImageAdapterOptions, LikelihoodScorerOptions } from './model-adapter.js';
