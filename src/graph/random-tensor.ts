/** Seeded random input tensors, so that a verify run can be replayed from its seed. */
import { allocateTensorArray, elementCount, type TensorData, type TensorDtype } from '../runtime/tensor';

export { seededRandom } from '../util/seeded-random';

/**
 * A random tensor: floats uniform in [0, 1) (image-like), integers uniform in {0, 1, 2} (valid as
 * indices and token ids for any vocabulary), bools 0/1. float16 is not generated (no ORT input need yet).
 */
export function randomTensor(dtype: TensorDtype, dims: readonly number[], next: () => number): TensorData {
  const n = elementCount(dims);
  const data = allocateTensorArray(dtype, n);
  // One loop per kind, the draws in the same order as ever (a seed replays the same tensor): the
  // coordinator draws every request's input on its main thread (602,112 floats for MobileNetV2).
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) data[i] = BigInt(Math.floor(next() * 3));
  } else if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < n; i++) data[i] = next();
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) data[i] = next() < 0.5 ? 0 : 1;
  } else {
    for (let i = 0; i < n; i++) data[i] = Math.floor(next() * 3);
  }
  return { dtype, dims: [...dims], data };
}
