/**
 * The `mmada` entry point as a function: dispatches to the command table, prints usage, and turns errors
 * into messages on stderr and an exit status (0 ok, 1 failure, 2 bad command line). Never throws.
 */
import type { CliIO } from './cli-io.js';
import type { Command } from './command.js';
import { COMMANDS } from './command-table.js';
import { UsageError } from './usage-error.js';

function overview(commands: ReadonlyMap<string, Command>): string {
  const width = Math.max(...[...commands.keys()].map((n) => n.length));
  const list = [...commands.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `usage: mmada <command> [flags]\n\ncommands:\n${list}\n\nRun \`mmada <command> --help\` for a command's flags.\n`;
}

export async function runCli(argv: readonly string[], io: CliIO, commands: ReadonlyMap<string, Command> = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(overview(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.get(name);
  if (!command) {
    io.stderr(`mmada: unknown command ${JSON.stringify(name)}\n\n${overview(commands)}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`mmada ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    io.stderr(`mmada ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.MMADA_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    return 1;
  }
}
