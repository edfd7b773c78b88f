/** The contract every `carbonedge` subcommand implements (one file per command in ./commands). */
export interface CliCommand {
  /** The word after `carbonedge`. */
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /**
   * Run with the arguments after the command name. Resolves to the exit code. Throw a CliError
   * (src/cli/args.ts) for bad input: main prints its message as one line and exits non-zero.
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Where a command writes; tests pass buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** The process's stdout/stderr. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};
