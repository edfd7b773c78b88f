import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { CliError, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';

const spec: Record<string, FlagSpec> = {
  only: { type: 'string', help: 'run only bench/NAME.bench.ts (e.g. graph, plan, mesh)' },
};

/** A benchmark module: bench/NAME.bench.ts exports `run(out)` and prints its own figures. */
export interface BenchModule {
  run(out: (line: string) => void): Promise<void>;
}

/** `carbonedge bench`: runs every bench/*.bench.ts in turn; figures only, never a pass/fail gate. */
export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'run the benchmarks (bench/*.bench.ts) and print their figures',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (args.flags.help) {
      io.out(helpText('carbonedge bench [--only NAME]', this.summary, spec));
      return 0;
    }
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench');
    const only = flagString(args, 'only');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).sort();
    const chosen = only ? files.filter((f) => f === `${only}.bench.ts`) : files;
    if (chosen.length === 0) throw new CliError(`no benchmark named "${only}" (have: ${files.map((f) => f.replace('.bench.ts', '')).join(', ')})`);
    for (const file of chosen) {
      io.out(`\n== bench ${file.replace('.bench.ts', '')} ==`);
      const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as BenchModule;
      await mod.run((line) => io.out(line));
    }
    return 0;
  },
};
