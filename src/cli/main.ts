import { CliError } from './args';
import { processIo, type CliCommand, type CliIo } from './command';
import { commands } from './commands/index';
import { cleanRuntimeMessage } from './runtime-error';

/** Top-level help listing every subcommand. */
function topHelp(list: readonly CliCommand[]): string {
  const lines = ['usage: carbonedge COMMAND [options]   (COMMAND --help for details)', '', 'commands:'];
  for (const c of list) lines.push(`  ${c.name.padEnd(18)} ${c.summary}`);
  return lines.join('\n');
}

/**
 * Entry point of the `carbonedge` bin. Returns the exit code: 0 success, 1 a check that failed
 * (e.g. verify), 2 bad input. Errors are printed as one line `carbonedge CMD: reason`.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help' || name === '-h') {
    io.out(topHelp(commands));
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`carbonedge: unknown command "${name}" (try: ${commands.map((c) => c.name).join(', ')})`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const err = error as Error;
    const exit = error instanceof CliError ? error.exitCode : 1;
    // One line, and never onnxruntime's build paths (issue 13, finding 10).
    const reason = cleanRuntimeMessage(err?.message ?? String(error));
    io.err(`carbonedge ${name}: ${err?.name && err.name !== 'Error' && err.name !== 'CliError' ? `${err.name}: ` : ''}${reason}`);
    if (process.env.CARBONEDGE_DEBUG && err?.stack) io.err(err.stack);
    return exit;
  }
}
