/**
 * Whether two executions of one slice on one input agree: tolerant enough for honest differences
 * between backends (WASM vs WebGPU: other summation orders, fused kernels, half-float paths), strict
 * enough to catch corruption (noise, zeros, constant patterns, a tenth of the elements changed).
 *
 * Floats are compared relative to the reference tensor's scale (its RMS), so the rule works for
 * logits of 10 and activations of 0.01 alike:
 *   element ok  <=>  |a - r| <= relativeToScale x rms(r) + relative x |r|      (NaN equals NaN)
 *   tensor ok   <=>  outliers / n <= maxOutlierFraction  and  ||a - r||2 / ||r||2 <= maxRelativeL2
 * Defaults: 1% of the scale, 1% relative, 0.1% outliers, 1% relative L2. For scale: onnxruntime's
 * own web tests accept 1e-3 absolute per operator on WebGPU and 0.1 absolute / 2% relative for
 * half-float kernels (js/web/test/test-runner.ts); a slice chains many operators, hence 1%. Integer
 * and bool tensors (class ids, masks) must be equal. Corruption smaller than these bounds (e.g. a
 * 1e-4 nudge) is indistinguishable from numerics and passes: audits catch lies, not rounding.
 */
import type { TensorData } from '../runtime/tensor';

/** The tolerance rule above. */
export interface OutputTolerance {
  /** Allowed absolute difference as a fraction of the reference's RMS (default 0.01). */
  readonly relativeToScale?: number;
  /** Allowed difference as a fraction of the element's own magnitude (default 0.01). */
  readonly relative?: number;
  /** Share of elements allowed outside the element rule (default 0.001). */
  readonly maxOutlierFraction?: number;
  /** Largest ||a - r|| / ||r|| (default 0.01). */
  readonly maxRelativeL2?: number;
}

/** The outcome of comparing all outputs of two executions. */
export interface OutputComparison {
  /** Every tensor agrees. */
  readonly ok: boolean;
  /** Why not, naming the tensor and the figures. */
  readonly reason?: string;
  /** Largest relative L2 error over the tensors (Infinity on a dtype/dims/name mismatch). */
  readonly relativeL2: number;
  /** Largest outlier share over the tensors. */
  readonly outlierFraction: number;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function asNumbers(t: TensorData): ArrayLike<number> | undefined {
  if (t.dtype === 'float16') return Array.from(t.data as Uint16Array, halfToFloat);
  if (t.dtype === 'float32' || t.dtype === 'float64') return t.data as Float32Array | Float64Array;
  return undefined;
}

/** Compare one tensor to its reference under `tolerance`. */
export function compareTensor(reference: TensorData, actual: TensorData, tolerance: OutputTolerance = {}): OutputComparison {
  if (reference.dtype !== actual.dtype) return { ok: false, reason: `dtype ${actual.dtype}, expected ${reference.dtype}`, relativeL2: Infinity, outlierFraction: 1 };
  if (reference.dims.join('x') !== actual.dims.join('x')) {
    return { ok: false, reason: `dims ${actual.dims.join('x')}, expected ${reference.dims.join('x')}`, relativeL2: Infinity, outlierFraction: 1 };
  }
  const r = asNumbers(reference);
  const a = asNumbers(actual);
  const n = reference.data.length;
  if (!r || !a) {
    let different = 0;
    for (let i = 0; i < n; i++) if (reference.data[i] !== actual.data[i]) different++;
    const share = n ? different / n : 0;
    return different ? { ok: false, reason: `${different} of ${n} ${reference.dtype} elements differ`, relativeL2: share, outlierFraction: share } : { ok: true, relativeL2: 0, outlierFraction: 0 };
  }
  let sumSq = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(r[i]!)) sumSq += r[i]! * r[i]!;
  const rms = n ? Math.sqrt(sumSq / n) : 0;
  const absTol = (tolerance.relativeToScale ?? 0.01) * rms;
  const relTol = tolerance.relative ?? 0.01;
  let outliers = 0;
  let diffSq = 0;
  for (let i = 0; i < n; i++) {
    const x = r[i]!;
    const y = a[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const d = x === y ? 0 : Math.abs(x - y); // equal infinities agree
    if (!(d <= absTol + relTol * Math.abs(x))) outliers++;
    diffSq += Number.isFinite(d) ? d * d : Infinity;
    if (Number.isNaN(d)) diffSq = Infinity;
  }
  const outlierFraction = n ? outliers / n : 0;
  const relativeL2 = sumSq > 0 ? Math.sqrt(diffSq / sumSq) : diffSq > 0 ? Infinity : 0;
  const maxOutliers = tolerance.maxOutlierFraction ?? 0.001;
  const maxL2 = tolerance.maxRelativeL2 ?? 0.01;
  if (outlierFraction > maxOutliers || relativeL2 > maxL2) {
    return {
      ok: false,
      reason: `${outliers} of ${n} elements outside tolerance (${(100 * outlierFraction).toFixed(2)}%, limit ${(100 * maxOutliers).toFixed(2)}%), relative L2 ${relativeL2.toPrecision(3)} (limit ${maxL2})`,
      relativeL2,
      outlierFraction,
    };
  }
  return { ok: true, relativeL2, outlierFraction };
}

/** Compare every named output of two executions (the same names on both sides). */
export function compareOutputs(reference: Readonly<Record<string, TensorData>>, actual: Readonly<Record<string, TensorData>>, tolerance: OutputTolerance = {}): OutputComparison {
  const names = Object.keys(reference).sort();
  const other = Object.keys(actual).sort();
  if (names.join('\u0000') !== other.join('\u0000')) {
    return { ok: false, reason: `outputs ${other.join(', ')}, expected ${names.join(', ')}`, relativeL2: Infinity, outlierFraction: 1 };
  }
  let relativeL2 = 0;
  let outlierFraction = 0;
  for (const name of names) {
    const c = compareTensor(reference[name]!, actual[name]!, tolerance);
    relativeL2 = Math.max(relativeL2, c.relativeL2);
    outlierFraction = Math.max(outlierFraction, c.outlierFraction);
    if (!c.ok) return { ok: false, reason: `output "${name}": ${c.reason}`, relativeL2, outlierFraction };
  }
  return { ok: true, relativeL2, outlierFraction };
}
