/**
 * `carbonedge verify MODEL (--stages K | --cuts I,J)`: whole model vs chained slices on seeded
 * random inputs under onnxruntime-web. Ends with `verify: ok stages=K max_abs_diff=X` (exit 0) or
 * `verify: FAILED ...` (exit 1).
 */
import { flagBool, flagNumber, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';
import { sliceModel } from '../../graph/slice-model';
import { verifySlices } from '../../graph/verify-slices';
import { asCliError, cutFlags, cutsFromArgs, modelFlags, profileFromArgs } from './inspect';

const spec: Record<string, FlagSpec> = {
  ...modelFlags,
  ...cutFlags,
  seed: { type: 'string', help: 'seed of the random inputs (default 1; run r uses seed + r)' },
  runs: { type: 'string', help: 'number of random inputs (default 1)' },
};

/** A difference in three significant digits, e.g. 1.19e-7 (0 stays 0). */
function show(x: number): string {
  return x === 0 || !Number.isFinite(x) ? String(x) : x.toExponential(2);
}

/** `carbonedge verify`. */
export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'check that chained slices reproduce the whole model on seeded random inputs',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (flagBool(args, 'help')) {
      io.out(helpText('carbonedge verify MODEL (--stages K | --cuts I,J,...) [--input NAME=1x3x224x224]... [--seed S] [--runs R]', this.summary, spec));
      return 0;
    }
    const seed = flagNumber(args, 'seed', { integer: true }) ?? 1;
    const runs = flagNumber(args, 'runs', { min: 1, integer: true }) ?? 1;
    const { model, profile } = await profileFromArgs(args);
    const cuts = cutsFromArgs(args, profile);
    const slices = await sliceModel(profile, cuts).catch((error: unknown) => { throw asCliError(error); });
    const result = await verifySlices(profile, slices, { modelBytes: model.bytes, seed, runs });
    const failed = result.outputs.filter((o) => !o.ok);
    const last = result.ok
      ? `verify: ok stages=${result.stages} max_abs_diff=${show(result.maxAbsDiff)}`
      : `verify: FAILED stages=${result.stages} max_abs_diff=${show(result.maxAbsDiff)} outputs=${failed.map((o) => o.name).join(',')}`;
    if (flagBool(args, 'json')) {
      io.out(JSON.stringify({ model: model.label, cuts, seed, ...result, verdict: last }, null, 2));
      return result.ok ? 0 : 1;
    }
    const lines = [`verify ${model.label}: ${result.stages} stages at cuts [${cuts.join(',')}], ${runs} run(s) from seed ${seed}`];
    for (const o of result.outputs) {
      lines.push(`  ${o.name} (${o.dtype}): max_abs_diff=${show(o.maxAbsDiff)} ${o.ok ? 'ok' : `FAILED${o.reason ? ` (${o.reason})` : ''}`}`);
    }
    lines.push(last);
    io.out(lines.join('\n'));
    return result.ok ? 0 : 1;
  },
};
