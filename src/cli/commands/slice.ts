/** `carbonedge slice MODEL (--stages K | --cuts I,J) --out DIR`: slice files plus manifest.json. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, flagBool, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';
import { sliceManifest, sliceModel } from '../../graph/slice-model';
import { asCliError, cutFlags, cutsFromArgs, fmt, modelFlags, profileFromArgs } from './inspect';

const spec: Record<string, FlagSpec> = {
  ...modelFlags,
  ...cutFlags,
  out: { type: 'string', help: 'directory for slice-<i>.onnx and manifest.json (created if missing)' },
};

/** `carbonedge slice`. */
export const sliceCommand: CliCommand = {
  name: 'slice',
  summary: 'cut an ONNX model into standalone pipeline-stage models plus a manifest',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (flagBool(args, 'help')) {
      io.out(helpText('carbonedge slice MODEL (--stages K | --cuts I,J,...) [--input NAME=1x3x224x224]... --out DIR', this.summary, spec));
      return 0;
    }
    const out = flagString(args, 'out');
    if (!out) throw new CliError('missing --out DIR');
    const { model, profile } = await profileFromArgs(args);
    const cuts = cutsFromArgs(args, profile);
    const slices = await sliceModel(profile, cuts).catch((error: unknown) => { throw asCliError(error); });
    const manifest = sliceManifest(profile, cuts, slices);
    await mkdir(out, { recursive: true });
    for (const [i, s] of slices.entries()) await writeFile(path.join(out, manifest.slices[i]!.file), s.model);
    await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (flagBool(args, 'json')) {
      io.out(JSON.stringify({ out, ...manifest }, null, 2));
      return 0;
    }
    const lines = [`sliced ${model.label} (${profile.nodes.length} nodes, ${fmt.flops(profile.totalFlops)}) at cuts [${cuts.join(',')}] into ${out}`];
    for (const [i, s] of slices.entries()) {
      const f = manifest.slices[i]!;
      lines.push(`  ${f.file.padEnd(14)} nodes [${s.start},${s.end})  ${fmt.flops(s.flops).padStart(15)}  in ${fmt.bytes(s.inputBytes).padStart(9)}  out ${fmt.bytes(s.outputBytes).padStart(9)}  file ${fmt.bytes(f.fileBytes).padStart(9)}  sha256 ${s.sha256.slice(0, 16)}`);
    }
    lines.push(`  manifest.json`);
    io.out(lines.join('\n'));
    return 0;
  },
};
