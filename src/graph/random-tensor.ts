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
  for (let i = 0; i < n; i++) {
    const r = next();
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Math.floor(r * 3));
    else if (dtype === 'float32' || dtype === 'float64') data[i] = r;
    else if (dtype === 'bool') data[i] = r < 0.5 ? 0 : 1;
    else data[i] = Math.floor(r * 3);
  }
  return { dtype, dims: [...dims], data };
}
