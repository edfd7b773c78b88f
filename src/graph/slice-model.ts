/**
 * The whole recipe in one call: a profiled model and cuts in, standalone slices (bytes + SHA-256)
 * and a JSON manifest out.
 */
import { crossingBytesPerCut, flopsBeforeEachCut } from './cut-points';
import { extractSlice, sha256Hex, sliceInterface } from './extract-slice';
import type { ModelProfile } from './profile-model';
import { explicitCuts, stagesFromCuts } from './stage-cuts';

/** One extracted stage. */
export interface ModelSlice {
  /** 0-based stage number. */
  readonly stage: number;
  /** First node position (inclusive). */
  readonly start: number;
  /** One past the last node position. */
  readonly end: number;
  /** Tensors fed to the slice. */
  readonly inputs: readonly string[];
  /** Tensors the slice returns. */
  readonly outputs: readonly string[];
  /** Bytes crossing the start cut (what the slice receives). */
  readonly inputBytes: number;
  /** Bytes crossing the end cut (what the slice sends on). */
  readonly outputBytes: number;
  /** FLOPs of its nodes. */
  readonly flops: number;
  /** Weight bytes it carries. */
  readonly weightBytes: number;
  /** The slice as ONNX bytes. */
  readonly model: Uint8Array;
  /** Lower-case hex SHA-256 of `model`. */
  readonly sha256: string;
}

/**
 * Cut a profiled model at `cuts` (strictly increasing positions in 1..nodeCount-1).
 *
 * @throws InvalidCutsError for bad cuts
 */
export async function sliceModel(profile: ModelProfile, cuts: readonly number[]): Promise<ModelSlice[]> {
  const n = profile.nodes.length;
  const ranges = stagesFromCuts(n, explicitCuts(n, cuts));
  const bytes = crossingBytesPerCut(profile);
  const flops = flopsBeforeEachCut(profile);
  const out: ModelSlice[] = [];
  for (const [stage, range] of ranges.entries()) {
    const io = sliceInterface(profile, range);
    const model = extractSlice(profile, range, stage, ranges.length);
    const used = new Set(profile.index.nodes.slice(range.start, range.end).flatMap((nd) => [...nd.inputs, ...nd.outerReads]));
    for (const o of io.outputs) used.add(o);
    let weightBytes = 0;
    for (const name of used) weightBytes += profile.index.weights.get(name)?.bytes ?? 0;
    out.push({
      stage, start: range.start, end: range.end, inputs: io.inputs, outputs: io.outputs,
      inputBytes: bytes[range.start]!, outputBytes: bytes[range.end]!, flops: flops[range.end]! - flops[range.start]!,
      weightBytes, model, sha256: await sha256Hex(model),
    });
  }
  return out;
}

/** The manifest written next to slice files: everything but the model bytes. */
export interface SliceManifest {
  /** Manifest format version. */
  readonly version: 1;
  /** Model name. */
  readonly model: string;
  /** Concrete input shapes the profile used. */
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;
  /** Node count of the compute order. */
  readonly nodeCount: number;
  /** Total FLOPs. */
  readonly totalFlops: number;
  /** Inner cut positions. */
  readonly cuts: readonly number[];
  /** Per stage, with its file name. */
  readonly slices: readonly (Omit<ModelSlice, 'model'> & { file: string; fileBytes: number; crossing: { name: string; dtype: string; dims: readonly number[]; bytes: number }[] })[];
}

/** Build the manifest for slices written as `slice-<stage>.onnx`. */
export function sliceManifest(profile: ModelProfile, cuts: readonly number[], slices: readonly ModelSlice[]): SliceManifest {
  return {
    version: 1,
    model: profile.name,
    inputShapes: Object.fromEntries(profile.inputShapes),
    nodeCount: profile.nodes.length,
    totalFlops: profile.totalFlops,
    cuts: [...cuts],
    slices: slices.map(({ model, ...rest }) => ({
      ...rest,
      file: `slice-${rest.stage}.onnx`,
      fileBytes: model.byteLength,
      crossing: rest.outputs.map((name) => {
        const t = profile.tensors.get(name);
        return { name, dtype: t?.dtype ?? 'weight', dims: t?.dims ?? [], bytes: t?.bytes ?? 0 };
      }),
    })),
  };
}
