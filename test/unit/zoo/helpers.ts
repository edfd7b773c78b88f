/** Small helpers shared by the zoo tests. */
import { createSession } from '../../../src/runtime/ort-session';
import type { TensorData } from '../../../src/runtime/tensor';

/** A seeded float32 input, uniform in [-1.7, 1.7) (unit variance), from a 32-bit LCG. */
export function seededInput(dims: readonly number[], seed: number): TensorData {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = (state / 4294967296 * 2 - 1) * Math.sqrt(3);
  }
  return { dtype: 'float32', dims: [...dims], data };
}

/** Run a model once per input and return the first output of each run with the run times. */
export async function runModel(bytes: Uint8Array, inputName: string, inputs: readonly TensorData[]): Promise<{ outputs: TensorData[]; runMs: number[] }> {
  const session = await createSession(bytes);
  try {
    const outputs: TensorData[] = [];
    const runMs: number[] = [];
    for (const input of inputs) {
      const start = performance.now();
      const result = await session.run({ [inputName]: input });
      runMs.push(performance.now() - start);
      const first = result[session.outputNames[0] ?? ''];
      if (!first) throw new Error('model produced no output');
      outputs.push(first);
    }
    return { outputs, runMs };
  } finally {
    await session.release();
  }
}

/** Byte-wise equality without building a giant diff on failure. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Hex SHA-256 of some bytes (WebCrypto, as in the browser). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (v) => v.toString(16).padStart(2, '0')).join('');
}
