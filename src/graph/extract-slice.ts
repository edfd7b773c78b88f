/**
 * Step 5 of the recipe: extract one stage as a standalone ONNX model. Inputs are the tensors
 * crossing its start cut, outputs the tensors crossing its end cut (so a tensor needed two stages
 * later passes through, and graph outputs produced early travel to the end); it carries only the
 * weights (initializers or Constant nodes) it reads, and the original IR version, opsets, functions
 * and metadata. The same profile and range always give the same bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { onnx, onnxDtypeCode, type NodeProto, type TensorProto, type ValueInfoProto } from './proto';
import { crossingAt } from './cut-points';
import { nodeReads } from './model-index';
import type { ModelProfile } from './profile-model';
import type { StageRange } from './stage-cuts';
import { ProfileError } from './errors';

/** The interface of one slice. */
export interface SliceInterface {
  /** Tensors fed to the slice, in order. */
  readonly inputs: readonly string[];
  /** Tensors the slice returns, in order (graph output order for the last slice). */
  readonly outputs: readonly string[];
}

/** Inputs and outputs of stage [start, end). */
export function sliceInterface(profile: ModelProfile, range: StageRange): SliceInterface {
  const { index } = profile;
  const inputs = crossingAt(profile, range.start);
  if (range.end < index.nodes.length) return { inputs, outputs: crossingAt(profile, range.end) };
  return { inputs, outputs: [...index.graphOutputs] };
}

/** The value_info of a slice boundary tensor: the declared one when the file has it, else dtype only. */
function boundaryInfo(profile: ModelProfile, name: string): ValueInfoProto {
  const declared = profile.index.valueInfo.get(name);
  if (declared?.type?.tensorType) return declared;
  const t = profile.tensors.get(name);
  const w = profile.index.weights.get(name);
  const elemType = t ? onnxDtypeCode(t.dtype) : w?.dataType;
  if (!elemType) throw new ProfileError(`no element type known for boundary tensor "${name}"`);
  return { name, type: { tensorType: { elemType } } };
}

/**
 * Encode stage `range` of a profiled model as ONNX bytes.
 *
 * @param sliceNumber 0-based stage number, recorded in the metadata with `stageCount`
 */
export function extractSlice(profile: ModelProfile, range: StageRange, sliceNumber = 0, stageCount = 1): Uint8Array {
  const { index } = profile;
  const io = sliceInterface(profile, range);
  const nodes = index.nodes.slice(range.start, range.end);
  const needed = new Set<string>();
  for (const n of nodes) for (const r of nodeReads(n)) if (index.weights.has(r)) needed.add(r);
  for (const o of io.outputs) if (index.weights.has(o)) needed.add(o);
  const weights = [...needed].map((name) => index.weights.get(name)!);
  const constants: NodeProto[] = weights
    .filter((w) => w.source === 'constant')
    .sort((a, b) => a.fileIndex - b.fileIndex)
    .map((w) => w.constantNode!);
  const initializers: TensorProto[] = (index.graph.initializer ?? []).filter((t) => needed.has(t.name ?? ''));
  const inputSet = new Set(io.inputs);
  const outputSet = new Set(io.outputs);
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const valueInfo = (index.graph.valueInfo ?? []).filter(
    (v) => produced.has(v.name ?? '') && !inputSet.has(v.name ?? '') && !outputSet.has(v.name ?? ''),
  );
  const last = range.end === index.nodes.length;
  const model = index.model;
  const metadata = [
    ...(model.metadataProps ?? []),
    { key: 'carbonedge.slice', value: `${sliceNumber}/${stageCount} nodes [${range.start},${range.end})` },
  ];
  const message = {
    irVersion: model.irVersion,
    producerName: model.producerName || undefined,
    producerVersion: model.producerVersion || undefined,
    domain: model.domain || undefined,
    modelVersion: model.modelVersion || undefined,
    docString: model.docString || undefined,
    opsetImport: model.opsetImport,
    metadataProps: metadata,
    functions: model.functions ?? [],
    graph: {
      name: `${index.graph.name || 'graph'}_slice${sliceNumber}`,
      node: [...constants, ...nodes.map((n) => n.proto)],
      initializer: initializers,
      input: [
        ...io.inputs.map((name) => boundaryInfo(profile, name)),
        ...index.initializerInputs.filter((v) => needed.has(v.name ?? '')),
      ],
      output: io.outputs.map((name) => (last ? index.graphOutputInfo.find((v) => v.name === name) : undefined) ?? boundaryInfo(profile, name)),
      valueInfo,
    },
  };
  return onnx.ModelProto.encode(message).finish();
}

/**
 * Lower-case hex SHA-256 of bytes. Uses @noble/hashes, not WebCrypto: a page served over plain http
 * from a LAN address (what a phone gets from the join URL) is not a secure context and has no
 * `crypto.subtle`. Async so that callers may hash in a worker later without changing.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return bytesToHex(sha256(bytes));
}

