/** Comparing two tensors under verify's tolerance rule. */
import type { TensorData } from '../runtime/tensor';

/** Outcome of one comparison. */
export interface TensorComparison {
  /** Whether every element is within tolerance (and dtype and dims agree). */
  readonly ok: boolean;
  /** Largest |expected - actual| (Infinity when dtype or dims differ). */
  readonly maxAbsDiff: number;
  /** Elements outside tolerance. */
  readonly mismatches: number;
  /** Why not ok, when dtype or dims differ. */
  readonly reason?: string;
}

/**
 * Compare `actual` to `expected`. Floats: an element passes when |e - a| <= tol (absolute) or
 * |e - a| <= tol x |e| (relative); NaN matches NaN. Integers and bools must be equal.
 */
export function compareTensors(expected: TensorData, actual: TensorData, tolerance = 1e-4): TensorComparison {
  if (expected.dtype !== actual.dtype) return { ok: false, maxAbsDiff: Infinity, mismatches: 0, reason: `dtype ${actual.dtype}, expected ${expected.dtype}` };
  if (expected.dims.join('x') !== actual.dims.join('x')) {
    return { ok: false, maxAbsDiff: Infinity, mismatches: 0, reason: `dims ${actual.dims.join('x')}, expected ${expected.dims.join('x')}` };
  }
  const isFloat = expected.dtype === 'float32' || expected.dtype === 'float64';
  let maxAbsDiff = 0, mismatches = 0;
  const e = expected.data, a = actual.data;
  for (let i = 0; i < e.length; i++) {
    const x = e[i]!, y = a[i]!;
    if (typeof x === 'bigint' || typeof y === 'bigint') {
      if (x !== y) {
        mismatches++;
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(Number(BigInt(x) - BigInt(y))));
      }
      continue;
    }
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const diff = x === y ? 0 : Math.abs(x - y);
    if (!(diff <= maxAbsDiff)) maxAbsDiff = Number.isNaN(diff) ? Infinity : diff;
    const within = isFloat ? diff <= tolerance || diff <= tolerance * Math.abs(x) : diff === 0;
    if (!within) mismatches++;
  }
  return { ok: mismatches === 0, maxAbsDiff, mismatches };
}
