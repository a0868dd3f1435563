/** One subcommand of `mmada`. Commands are registered in command-table.ts. */
import type { CliIO } from './cli-io.js';

export interface Command {
  readonly name: string;
  /** One line for `mmada --help`. */
  readonly summary: string;
  /** Full usage text for `mmada NAME --help`. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves to the exit status. Throws UsageError for a bad command line. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
