/**
 * The one place that touches onnx-proto: loads its generated protobuf classes in Node (CommonJS
 * interop) and in the browser bundle alike, and converts its 64-bit `Long` fields to numbers.
 */
import * as onnxProtoModule from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { TensorDtype } from '../runtime/tensor';

type OnnxNamespace = typeof onnxProtoModule.onnx;
const loaded = onnxProtoModule as unknown as { onnx?: OnnxNamespace; default?: { onnx?: OnnxNamespace } };

/** The onnx-proto namespace (ModelProto, GraphProto, ...), whichever way the bundler exposes it. */
export const onnx: OnnxNamespace = (loaded.onnx ?? loaded.default?.onnx) as OnnxNamespace;

/** A decoded model. */
export type ModelProto = P.ModelProto;
/** A (sub)graph. */
export type GraphProto = P.IGraphProto;
/** One node. */
export type NodeProto = P.INodeProto;
/** A tensor value (initializer or Constant attribute). */
export type TensorProto = P.ITensorProto;
/** A named, typed value. */
export type ValueInfoProto = P.IValueInfoProto;
/** One node attribute. */
export type AttributeProto = P.IAttributeProto;

/** A protobuf int64 as decoded by protobufjs: a number or a `Long`. */
export type Int64Like = number | { toNumber(): number } | null | undefined;

/** Convert a protobuf int64 to a JS number (0 when absent). */
export function toNumber(value: Int64Like): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** ONNX `TensorProto.DataType` codes to our runtime dtype names (codes without one map to undefined). */
export const ONNX_DTYPE: Readonly<Record<number, TensorDtype>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

/** Bytes per element of each ONNX data type code (0 for strings, whose size varies). */
export const ONNX_DTYPE_BYTES: Readonly<Record<number, number>> = {
  1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 8: 0, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
};

/** The ONNX data type code of a runtime dtype. */
export function onnxDtypeCode(dtype: TensorDtype): number {
  for (const [code, name] of Object.entries(ONNX_DTYPE)) if (name === dtype) return Number(code);
  throw new TypeError(`no ONNX code for dtype ${dtype}`);
}

/** Element count of a TensorProto from its dims (1 for a scalar). */
export function tensorProtoElements(t: TensorProto): number {
  return (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1);
}

/** Byte size of a TensorProto's payload as it would sit in memory (strings: their UTF-8 lengths). */
export function tensorProtoBytes(t: TensorProto): number {
  const code = t.dataType ?? 0;
  if (code === 8) return (t.stringData ?? []).reduce((a, s) => a + s.length, 0);
  return tensorProtoElements(t) * (ONNX_DTYPE_BYTES[code] ?? 0);
}
