/**
 * Running slices back to back in one process: each stage receives exactly the tensors that cross
 * its start cut, as a pipeline neighbour would send them.
 */
import type { TensorData } from '../runtime/tensor';
import { ProfileError } from './errors';
import { defaultSessionFactory, type SessionFactory } from './profile-model';
import type { RuntimeSession } from '../runtime/ort-session';

/** What the runner needs to know of a slice. */
export interface ChainStage {
  /** ONNX bytes. */
  readonly model: Uint8Array;
  /** Tensor names it is fed. */
  readonly inputs: readonly string[];
  /** Tensor names it returns. */
  readonly outputs: readonly string[];
}

/** Open sessions for a chain of slices. */
export interface SliceChain {
  /** Run all stages on the graph inputs; resolves to the last stage's outputs. */
  run(feeds: Readonly<Record<string, TensorData>>, signal?: AbortSignal): Promise<Record<string, TensorData>>;
  /** Release every session. */
  release(): Promise<void>;
}

/**
 * Open one session per stage (with runtime graph optimisations on, as deployment would).
 *
 * @throws ProfileError when a slice fails to load
 */
export async function openChain(stages: readonly ChainStage[], createSession: SessionFactory = defaultSessionFactory): Promise<SliceChain> {
  const sessions: RuntimeSession[] = [];
  try {
    for (const [i, s] of stages.entries()) {
      try {
        sessions.push(await createSession(s.model, {}));
      } catch (error) {
        throw new ProfileError(`slice ${i} failed to load: ${String((error as Error).message ?? error).split('\n')[0]}`);
      }
    }
  } catch (error) {
    for (const s of sessions) await s.release();
    throw error;
  }
  return {
    async run(feeds, signal) {
      let carried: Record<string, TensorData> = { ...feeds };
      for (const [i, stage] of stages.entries()) {
        signal?.throwIfAborted();
        const stageFeeds: Record<string, TensorData> = {};
        for (const name of stage.inputs) {
          const t = carried[name];
          if (!t) throw new ProfileError(`slice ${i} needs "${name}", which the previous stage did not send`);
          stageFeeds[name] = t;
        }
        const produced = await sessions[i]!.run(stageFeeds, stage.outputs);
        carried = produced;
      }
      return carried;
    },
    async release() {
      for (const s of sessions) await s.release();
      sessions.length = 0;
    },
  };
}
