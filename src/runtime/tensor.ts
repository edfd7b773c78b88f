/**
 * A runtime-neutral tensor: what crosses module, worker and peer boundaries. onnxruntime-web's own
 * Tensor type never leaves src/runtime (the adapter rule in STYLE.md).
 */

/** ONNX element types we move around, by their onnxruntime-web names. */
export const TENSOR_DTYPES = ['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'] as const;
/** One of {@link TENSOR_DTYPES}. */
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

/** The typed array that backs each dtype. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A dense tensor: dtype, dims and row-major data. */
export interface TensorData {
  /** Element type. */
  readonly dtype: TensorDtype;
  /** Dimensions, all concrete. */
  readonly dims: readonly number[];
  /** Row-major elements (bool as Uint8Array, float16 as Uint16Array bits). */
  readonly data: TensorArray;
}

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<TensorDtype, number>> = {
  float32: 4, float16: 2, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2,
  int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
};

/** Number of elements for dims (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Allocate the backing array for a dtype. */
export function allocateTensorArray(dtype: TensorDtype, length: number): TensorArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'float16': case 'uint16': return new Uint16Array(length);
    case 'int8': return new Int8Array(length);
    case 'uint8': case 'bool': return new Uint8Array(length);
    case 'int16': return new Int16Array(length);
    case 'int32': return new Int32Array(length);
    case 'uint32': return new Uint32Array(length);
    case 'int64': return new BigInt64Array(length);
    case 'uint64': return new BigUint64Array(length);
    default: {
      const never: never = dtype;
      throw new TypeError(`unknown dtype ${String(never)}`);
    }
  }
}

/** View raw little-endian bytes as a typed array of `dtype` (copies only when misaligned). */
export function viewTensorArray(dtype: TensorDtype, bytes: Uint8Array): TensorArray {
  const size = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength % size !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements (${size} bytes each)`);
  }
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const length = aligned.byteLength / size;
  const b = aligned.buffer, o = aligned.byteOffset;
  switch (dtype) {
    case 'float32': return new Float32Array(b, o, length);
    case 'float64': return new Float64Array(b, o, length);
    case 'float16': case 'uint16': return new Uint16Array(b, o, length);
    case 'int8': return new Int8Array(b, o, length);
    case 'uint8': case 'bool': return new Uint8Array(b, o, length);
    case 'int16': return new Int16Array(b, o, length);
    case 'int32': return new Int32Array(b, o, length);
    case 'uint32': return new Uint32Array(b, o, length);
    case 'int64': return new BigInt64Array(b, o, length);
    case 'uint64': return new BigUint64Array(b, o, length);
    default: {
      const never: never = dtype;
      throw new TypeError(`unknown dtype ${String(never)}`);
    }
  }
}
