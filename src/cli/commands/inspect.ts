/**
 * `carbonedge inspect MODEL`: graph summary, FLOPs, parameters and candidate cuts. Also home of the
 * helpers slice.ts and verify.ts share (model argument, input shapes, cut choice), so the three
 * graph commands read their arguments the same way.
 */
import { readFile } from 'node:fs/promises';
import { CliError, flagBool, flagList, flagNumber, flagString, helpText, parseArgs, type FlagSpec, type ParsedArgs } from '../args';
import type { CliCommand, CliIo } from '../command';
import { listCutPoints } from '../../graph/cut-points';
import { GraphError, ProfileError } from '../../graph/errors';
import { parseInputShape, type InputShapeSpec } from '../../graph/input-shapes';
import { indexModel } from '../../graph/model-index';
import { parseModel } from '../../graph/parse-model';
import { toPlanModel } from '../../graph/plan-model';
import { profileModel, type ModelProfile } from '../../graph/profile-model';
import { toNumber } from '../../graph/proto';
import { balancedFlopsCuts, explicitCuts, minCrossingBytesCuts } from '../../graph/stage-cuts';
import { cleanRuntimeMessage } from '../runtime-error';

/** Flags every graph command takes. */
export const modelFlags: Record<string, FlagSpec> = {
  input: { type: 'multi', help: 'input shape NAME=1x3x224x224 (binds dynamic dims)' },
  'max-memory-mb': { type: 'string', help: 'refuse models needing more memory than this (default 4096)' },
};

/** Flags of the commands that cut (slice, verify). */
export const cutFlags: Record<string, FlagSpec> = {
  stages: { type: 'string', help: 'number of pipeline stages K (cuts chosen by --strategy)' },
  cuts: { type: 'string', help: 'explicit cut positions I,J,... (strictly increasing)' },
  strategy: { type: 'string', help: 'balanced (default: even FLOPs) or min-bytes (least crossing bytes, no stage over 1/2+1/(2K) of the FLOPs)' },
};

/** A model loaded from a path or the catalogue (`zoo:NAME`). */
export interface LoadedModel {
  /** What the user typed. */
  readonly label: string;
  /** ONNX bytes. */
  readonly bytes: Uint8Array;
  /** Default input shapes (catalogue models know theirs). */
  readonly defaultShapes: InputShapeSpec[];
}

/** Read MODEL: a file path or `zoo:NAME`. */
export async function loadModelArgument(arg: string | undefined): Promise<LoadedModel> {
  if (!arg) throw new CliError('missing MODEL (a .onnx path or zoo:NAME)');
  if (arg.startsWith('zoo:')) {
    const zoo = await import('../../zoo/index');
    const name = arg.slice(4);
    if (!zoo.zooNames().includes(name)) throw new CliError(`unknown zoo model "${name}" (valid: ${zoo.zooNames().join(', ')})`);
    const info = zoo.zooInfo(name);
    return { label: arg, bytes: await zoo.loadZooModel(name), defaultShapes: [{ name: info.inputName, dims: info.inputShape }] };
  }
  try {
    const buffer = await readFile(arg);
    return { label: arg, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), defaultShapes: [] };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `no such file: ${arg}` : `cannot read ${arg}: ${(error as Error).message}`);
  }
}

/** Turn a library error on user input into a one-line CliError (runtime failures of slices stay exit 1). */
export function asCliError(error: unknown): unknown {
  if (error instanceof GraphError && !(error instanceof ProfileError)) return new CliError(`${error.name}: ${cleanRuntimeMessage(error.message)}`);
  return error;
}

/**
 * Parse, index and profile MODEL at the `--input` shapes (catalogue defaults otherwise). Every
 * graph command goes through here, so `inspect` refuses exactly what `slice` and `verify` refuse:
 * a model without graph outputs, and any model onnxruntime cannot load or run (profiling runs it
 * whole), as bad input (exit 2) with the runtime's reason on one line, without build paths.
 */
export async function profileFromArgs(args: ParsedArgs): Promise<{ model: LoadedModel; profile: ModelProfile }> {
  const model = await loadModelArgument(args.positionals[0]);
  try {
    const given = flagList(args, 'input').map(parseInputShape);
    const index = indexModel(parseModel(model.bytes));
    if (index.graphOutputs.length === 0) throw new CliError('MalformedGraphError: the model declares no graph outputs, so there is nothing to compute');
    const shapes = given.length > 0 ? given : model.defaultShapes;
    const memoryMb = flagNumber(args, 'max-memory-mb', { min: 1 }) ?? 4096;
    return { model, profile: await profileModel(index, shapes, { memoryLimitBytes: memoryMb * 2 ** 20 }) };
  } catch (error) {
    if (error instanceof ProfileError) throw new CliError(`RuntimeRejectedModel: ${cleanRuntimeMessage(error.message)}`);
    throw asCliError(error);
  }
}

/** The cuts asked for by `--stages K [--strategy]` or `--cuts I,J`. */
export function cutsFromArgs(args: ParsedArgs, profile: ModelProfile): number[] {
  const stages = flagNumber(args, 'stages', { min: 1, integer: true });
  const cutsText = flagString(args, 'cuts');
  if ((stages === undefined) === (cutsText === undefined)) throw new CliError('give exactly one of --stages K or --cuts I,J,...');
  try {
    if (cutsText !== undefined) {
      const cuts = cutsText.split(',').filter((c) => c.trim() !== '').map(Number);
      if (cuts.some((c) => !Number.isInteger(c))) throw new CliError(`--cuts must be whole numbers, got "${cutsText}"`);
      return explicitCuts(profile.nodes.length, cuts);
    }
    const strategy = flagString(args, 'strategy') ?? 'balanced';
    if (strategy === 'balanced') return balancedFlopsCuts(profile, stages!);
    if (strategy === 'min-bytes') return minCrossingBytesCuts(profile, stages!, 0.5 + 0.5 / stages!);
    throw new CliError(`--strategy must be balanced or min-bytes, got "${strategy}"`);
  } catch (error) {
    throw asCliError(error);
  }
}

/** Human-readable sizes and counts. */
export const fmt = {
  bytes: (b: number): string => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(2)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${b} B`),
  flops: (f: number): string => (f >= 1e9 ? `${(f / 1e9).toFixed(3)} GFLOPs` : `${(f / 1e6).toFixed(2)} MFLOPs`),
};

const spec: Record<string, FlagSpec> = {
  ...modelFlags,
  top: { type: 'string', help: 'show the N inner cuts with the fewest crossing bytes (default 10)' },
  'all-cuts': { type: 'boolean', help: 'list every candidate cut' },
};

function report(profile: ModelProfile, label: string, args: ParsedArgs, io: CliIo): void {
  const { index } = profile;
  const m = index.model;
  const cuts = listCutPoints(profile);
  const n = profile.nodes.length;
  const ops = new Map<string, { count: number; flops: number }>();
  for (const node of profile.nodes) {
    const o = ops.get(node.opType) ?? { count: 0, flops: 0 };
    ops.set(node.opType, { count: o.count + 1, flops: o.flops + node.flops });
  }
  const constants = [...index.weights.values()].filter((w) => w.source === 'constant').length;
  const io1 = (name: string) => {
    const t = profile.tensors.get(name);
    return t ? `${name} ${t.dtype} [${t.dims.join('x')}] ${fmt.bytes(t.bytes)}` : `${name} (weight)`;
  };
  const lines = [
    `model    ${label}  (${profile.name}; producer ${m.producerName || '?'} ${m.producerVersion || ''}; ir ${toNumber(m.irVersion)}; opsets ${m.opsetImport.map((o) => `${o.domain || 'ai.onnx'}:${toNumber(o.version)}`).join(' ')})`,
    `inputs   ${index.graphInputs.map((v) => io1(v.name ?? '')).join(', ')}`,
    `outputs  ${index.graphOutputs.map(io1).join(', ')}`,
    `nodes    ${n} compute nodes, ${index.weights.size} weights (${constants} as Constant nodes)`,
    `params   ${profile.totalParams.toLocaleString('en')} (${fmt.bytes(profile.totalWeightBytes)})`,
    `flops    ${fmt.flops(profile.totalFlops)} per inference (profiled in ${profile.profileMs.toFixed(0)} ms)`,
    `fallback ${profile.fallbackOps.length ? `${profile.fallbackOps.join(', ')} (1 FLOP per output element)` : 'none'}`,
    'ops:',
    ...[...ops].sort((a, b) => b[1].flops - a[1].flops || a[0].localeCompare(b[0])).map(([op, o]) => `  ${op.padEnd(22)} ${String(o.count).padStart(5)}  ${fmt.flops(o.flops)}`),
  ];
  const inner = cuts.slice(1, n);
  const all = flagBool(args, 'all-cuts');
  const top = flagNumber(args, 'top', { min: 0, integer: true }) ?? 10;
  const shown = all ? inner : [...inner].sort((a, b) => a.crossingBytes - b.crossingBytes || a.position - b.position).slice(0, top);
  lines.push(all ? `cuts (all ${inner.length} inner cuts):` : `cuts (${shown.length} of ${inner.length} inner cuts, fewest crossing bytes first):`);
  lines.push(`  ${'pos'.padStart(5)}  ${'flops before'.padStart(12)}  ${'crossing'.padStart(10)}  tensors`);
  for (const c of shown) {
    const pct = profile.totalFlops > 0 ? ((100 * c.flopsBefore) / profile.totalFlops).toFixed(1) : '0.0';
    lines.push(`  ${String(c.position).padStart(5)}  ${`${pct}%`.padStart(12)}  ${fmt.bytes(c.crossingBytes).padStart(10)}  ${c.crossing.join(', ')}`);
  }
  for (let k = 2; k <= Math.min(4, n); k++) lines.push(`balanced k=${k}: cuts ${balancedFlopsCuts(profile, k).join(',')}`);
  io.out(lines.join('\n'));
}

/** `carbonedge inspect`. */
export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'summarise an ONNX model: ops, parameters, FLOPs, candidate cuts',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (flagBool(args, 'help')) {
      io.out(helpText('carbonedge inspect MODEL [--input NAME=1x3x224x224]...', `${this.summary}. MODEL is a .onnx path or zoo:NAME.`, spec));
      return 0;
    }
    if (args.positionals.length > 1) throw new CliError(`expected one MODEL, got ${args.positionals.length}`);
    const { model, profile } = await profileFromArgs(args);
    if (!flagBool(args, 'json')) {
      report(profile, model.label, args, io);
      return 0;
    }
    io.out(JSON.stringify({
      model: model.label, name: profile.name, irVersion: toNumber(profile.index.model.irVersion),
      opsets: profile.index.model.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) })),
      inputShapes: Object.fromEntries(profile.inputShapes), totalFlops: profile.totalFlops, totalParams: profile.totalParams,
      totalWeightBytes: profile.totalWeightBytes, fallbackOps: profile.fallbackOps, profileMs: profile.profileMs,
      nodes: profile.nodes, cuts: listCutPoints(profile), plan: toPlanModel(profile),
    }, null, 2));
    return 0;
  },
};
