/**
 * Step 1 of the recipe: bytes to a decoded ModelProto, with a named error for every way the bytes
 * can fail to be a model.
 */
import { MalformedGraphError, NotOnnxError, TruncatedModelError, UnsupportedModelError } from './errors';
import { onnx, toNumber, type ModelProto } from './proto';

/** Highest ONNX IR version we have seen in the wild plus headroom; above it the bytes are noise. */
const MAX_IR_VERSION = 20;

/**
 * Decode ONNX model bytes.
 *
 * @throws TruncatedModelError when the protobuf ends mid-field
 * @throws NotOnnxError when the bytes decode but hold no ONNX graph, or do not decode at all
 * @throws UnsupportedModelError when weights live in external files or are sparse
 */
export function parseModel(bytes: Uint8Array): ModelProto {
  if (bytes.byteLength === 0) throw new NotOnnxError('0 bytes is not an ONNX model');
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    const reason = (error as Error).message;
    // protobufjs reports reads past the end as "index out of range: 812 + 10 > 816".
    if (/index out of range/.test(reason)) {
      throw new TruncatedModelError(`model bytes end early: ${bytes.byteLength} bytes read, ${reason}`);
    }
    throw new NotOnnxError(`${bytes.byteLength} bytes are not an ONNX model (${reason})`);
  }
  const irVersion = toNumber(model.irVersion);
  if (!model.graph || irVersion < 1 || irVersion > MAX_IR_VERSION) {
    throw new NotOnnxError(
      `${bytes.byteLength} bytes are not an ONNX model (ir_version ${irVersion}, graph ${model.graph ? 'present' : 'missing'})`,
    );
  }
  if (model.opsetImport.length === 0) {
    throw new TruncatedModelError(`model of ${bytes.byteLength} bytes has a graph but no opset_import (file cut short?)`);
  }
  if ((model.graph.node ?? []).length === 0) throw new MalformedGraphError('graph has 0 nodes');
  const external = (model.graph.initializer ?? []).filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  if (external.length > 0) {
    throw new UnsupportedModelError(`${external.length} initializers keep their data in external files (first: ${external[0]!.name})`);
  }
  const sparse = model.graph.sparseInitializer ?? [];
  if (sparse.length > 0) throw new UnsupportedModelError(`${sparse.length} sparse initializers are not supported (first: ${sparse[0]!.values?.name ?? '?'})`);
  return model;
}
