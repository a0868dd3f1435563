/**
 * Every `mmada` subcommand, by name. A new subcommand (understand, t2i, eval, train, bench, ...) is one file
 * under commands/ exporting a Command, plus one entry here.
 */
import type { Command } from './command.js';
import { ablateCommand } from './commands/ablate.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { forwardCommand } from './commands/forward.js';
import { generateCommand } from './commands/generate.js';
import { infoCommand } from './commands/info.js';
import { rlCommand } from './commands/rl.js';
import { trainCommand } from './commands/train.js';
import { t2iCommand } from './commands/t2i.js';
import { understandCommand } from './commands/understand.js';

export const COMMANDS: ReadonlyMap<string, Command> = new Map([demoCommand, generateCommand, forwardCommand, infoCommand, evalCommand, trainCommand, t2iCommand, understandCommand, rlCommand, ablateCommand].map((c) => [c.name, c]));
