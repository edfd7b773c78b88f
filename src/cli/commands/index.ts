import type { CliCommand } from '../command';
import { benchCommand } from './bench';
import { experimentCommand } from './experiment';
import { inspectCommand } from './inspect';
import { intensityCommand } from './intensity';
import { planCommand } from './plan';
import { reproducePaperCommand } from './reproduce-paper';
import { sliceCommand } from './slice';
import { startCommand } from './start';
import { verifyCommand } from './verify';

/**
 * Every subcommand, in help order. Each lives in its own file in this folder and exports one
 * CliCommand; add new ones here (one import + one entry).
 */
export const commands: readonly CliCommand[] = [
  startCommand,
  benchCommand,
  intensityCommand,
  inspectCommand,
  sliceCommand,
  verifyCommand,
  planCommand,
  reproducePaperCommand,
  experimentCommand,
];
