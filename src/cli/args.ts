/**
 * Tiny argument parser shared by every `carbonedge` subcommand.
 *
 * Conventions (src/cli/README.md): `--flag value` or `--flag=value`, repeatable flags collect into arrays,
 * boolean flags take no value, `--json` for machine output, `--help` everywhere. Anything
 * unexpected is a {@link CliError}: one line, non-zero exit.
 */

/** A user-facing command-line error: printed as one line, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/** How a subcommand declares its flags. */
export interface FlagSpec {
  /** `boolean` takes no value; `string` takes one; `multi` takes one and may repeat. */
  readonly type: 'boolean' | 'string' | 'multi';
  /** One line for `--help`. */
  readonly help: string;
}

/** Parsed arguments: positionals plus flag values keyed by flag name (without dashes). */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Record<string, string | string[] | boolean | undefined>;
}

/** Parse `argv` against `spec`; `--help` and `--json` are always accepted. */
export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const full: Record<string, FlagSpec> = {
    help: { type: 'boolean', help: 'show this help' },
    json: { type: 'boolean', help: 'machine-readable output' },
    ...spec,
  };
  const positionals: string[] = [];
  const flags: Record<string, string | string[] | boolean | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const def = full[name];
    if (!def) throw new CliError(`unknown option --${name} (see --help)`);
    if (def.type === 'boolean') {
      if (eq >= 0) throw new CliError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new CliError(`--${name} needs a value`);
      i++;
    }
    if (def.type === 'multi') {
      const prev = flags[name];
      flags[name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else {
      if (flags[name] !== undefined) throw new CliError(`--${name} given twice`);
      flags[name] = value;
    }
  }
  return { positionals, flags };
}

/** Read a string flag, or undefined. */
export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** Read a repeatable flag as an array (empty when absent). */
export function flagList(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  return Array.isArray(v) ? v : [];
}

/** Read a number flag with bounds; a clear error otherwise. */
export function flagNumber(
  args: ParsedArgs,
  name: string,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const raw = flagString(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number, got "${raw}"`);
  if (opts.integer && !Number.isInteger(n)) throw new CliError(`--${name} must be a whole number, got ${raw}`);
  if (opts.min !== undefined && n < opts.min) throw new CliError(`--${name} must be >= ${opts.min}, got ${raw}`);
  if (opts.max !== undefined && n > opts.max) throw new CliError(`--${name} must be <= ${opts.max}, got ${raw}`);
  return n;
}

/** Read a boolean flag. */
export function flagBool(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}

/** Render `--help` text for a command. */
export function helpText(usage: string, summary: string, spec: Readonly<Record<string, FlagSpec>>): string {
  const lines = [`usage: ${usage}`, '', summary, '', 'options:'];
  const all: Record<string, FlagSpec> = {
    ...spec,
    json: { type: 'boolean', help: 'machine-readable output' },
    help: { type: 'boolean', help: 'show this help' },
  };
  for (const [name, def] of Object.entries(all)) {
    const left = def.type === 'boolean' ? `--${name}` : `--${name} VALUE${def.type === 'multi' ? ' (repeatable)' : ''}`;
    lines.push(`  ${left.padEnd(32)} ${def.help}`);
  }
  return lines.join('\n');
}
