import type { CliCommand } from '../command';
import { benchCommand } from './bench';
import { startCommand } from './start';

/**
 * Every subcommand, in help order. Each lives in its own file in this folder and exports one
 * CliCommand; add new ones here (one import + one entry).
 */
export const commands: readonly CliCommand[] = [
  startCommand,
  benchCommand,
];
