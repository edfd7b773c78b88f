/**
 * One place for the onnx-proto interop. The package is CommonJS (`module.exports = $root`), so Node's
 * ESM loader (tsx, the CLI) exposes only a default export, while bundlers also synthesise the named
 * one. Reading `.onnx` off the default export works under Node, vitest and Vite alike.
 */
import onnxProtoPackage from 'onnx-proto';
import type { onnx as OnnxNamespace } from 'onnx-proto';

type OnnxRuntimeNamespace = typeof OnnxNamespace;

function pickNamespace(pkg: unknown): OnnxRuntimeNamespace {
  const candidate = pkg as { onnx?: OnnxRuntimeNamespace; default?: { onnx?: OnnxRuntimeNamespace } };
  const ns = candidate.onnx ?? candidate.default?.onnx;
  if (!ns) throw new TypeError('onnx-proto did not expose the onnx namespace');
  return ns;
}

/** The runtime `onnx` namespace of onnx-proto (message classes and enums). */
export const onnxProto: OnnxRuntimeNamespace = pickNamespace(onnxProtoPackage);
