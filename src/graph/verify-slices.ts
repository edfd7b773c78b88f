/**
 * Verification: the whole model and the chained slices on the same seeded random inputs must agree
 * (floats within 1e-4 absolute or relative, integers exactly).
 */
import type { TensorData } from '../runtime/tensor';
import { openChain } from './chain-runner';
import { compareTensors } from './compare-tensors';
import { ProfileError } from './errors';
import { defaultSessionFactory, randomFeeds, type ModelProfile, type SessionFactory } from './profile-model';
import { onnx } from './proto';
import type { ModelSlice } from './slice-model';

/** Per-output result over all runs. */
export interface OutputCheck {
  /** Graph output name. */
  readonly name: string;
  /** Its dtype. */
  readonly dtype: string;
  /** Largest absolute difference seen. */
  readonly maxAbsDiff: number;
  /** Whether every run was within tolerance. */
  readonly ok: boolean;
  /** Why not, when dtype or dims differ. */
  readonly reason?: string;
}

/** The verdict. */
export interface VerifyResult {
  /** True when every output is within tolerance on every run. */
  readonly ok: boolean;
  /** Stage count. */
  readonly stages: number;
  /** Runs made. */
  readonly runs: number;
  /** Largest absolute difference over all outputs. */
  readonly maxAbsDiff: number;
  /** Per output. */
  readonly outputs: readonly OutputCheck[];
}

/** Options for {@link verifySlices}. */
export interface VerifyOptions {
  /** Seed of the first run (run r uses seed + r). */
  readonly seed?: number;
  /** Number of random inputs to try. */
  readonly runs?: number;
  /** Float tolerance (absolute or relative). */
  readonly tolerance?: number;
  /** The original model bytes (default: re-encoded from the index). */
  readonly modelBytes?: Uint8Array;
  /** Session factory (default onnxruntime-web). */
  readonly createSession?: SessionFactory;
  /** Cancels between runs. */
  readonly signal?: AbortSignal;
}

/** Run whole vs chained slices on seeded random inputs and compare every graph output. */
export async function verifySlices(profile: ModelProfile, slices: readonly ModelSlice[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const factory = options.createSession ?? defaultSessionFactory;
  const runs = options.runs ?? 1;
  const seed = options.seed ?? 1;
  const whole = await factory(options.modelBytes ?? onnx.ModelProto.encode(profile.index.model).finish(), {});
  const chain = await openChain(slices, factory).catch(async (error: unknown) => {
    await whole.release();
    throw error;
  });
  const checks = new Map<string, { dtype: string; maxAbsDiff: number; ok: boolean; reason?: string }>();
  try {
    for (let r = 0; r < runs; r++) {
      options.signal?.throwIfAborted();
      const feeds = randomFeeds(profile.index, profile.inputShapes, seed + r);
      const expected = await whole.run(feeds);
      const actual: Record<string, TensorData> = await chain.run(feeds, options.signal);
      for (const name of profile.index.graphOutputs) {
        const e = expected[name];
        const a = actual[name];
        if (!e) throw new ProfileError(`whole model returned no output "${name}"`);
        const prev = checks.get(name) ?? { dtype: e.dtype, maxAbsDiff: 0, ok: true };
        if (!a) {
          checks.set(name, { ...prev, ok: false, maxAbsDiff: Infinity, reason: 'missing from the last slice' });
          continue;
        }
        const c = compareTensors(e, a, options.tolerance ?? 1e-4);
        checks.set(name, {
          dtype: e.dtype, maxAbsDiff: Math.max(prev.maxAbsDiff, c.maxAbsDiff), ok: prev.ok && c.ok,
          ...(prev.reason ?? c.reason ? { reason: prev.reason ?? c.reason } : {}),
        });
      }
    }
  } finally {
    await chain.release();
    await whole.release();
  }
  const outputs = [...checks].map(([name, c]) => ({ name, ...c }));
  return {
    ok: outputs.every((o) => o.ok),
    stages: slices.length,
    runs,
    maxAbsDiff: outputs.reduce((m, o) => Math.max(m, o.maxAbsDiff), 0),
    outputs,
  };
}
