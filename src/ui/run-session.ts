/**
 * The page's side of a run: load and profile a catalogue model in the coordinator's worker, then
 * hand it to the run loop in src/swarm/run-session.ts (which plans, deploys and streams).
 */
import { indexModel, parseModel, profileModel, type ModelProfile } from '../graph/index';
import { loadZooModel, zooInfo } from '../zoo/index';
import type { Coordinator } from '../swarm/coordinator';
import { startRunSession, type LinkSource, type RunSession, type RunSettings } from '../swarm/run-session';
import type { RunEvent } from '../swarm/run-controller';
import { startRuntimeWorker, type RuntimeClient } from './runtime-client';
import { workerSessionFactory } from './worker-session';
import { refereeFor, thisMachine } from './referee';
import { retryOnceIfStalled } from './stall-guard';

export type { RunSettings } from '../swarm/run-session';

let shared: Promise<RuntimeClient> | undefined;
/**
 * Whether a worker of this tab stalled: its replacements run on 1 thread (the stalls seen were on
 * crossOriginIsolated pages, where onnxruntime-web starts its thread pool; docs/decisions.md).
 */
let singleThreaded = false;

/** The coordinator tab's one runtime worker (profiling), started on first use and shared by its panels. */
export function sharedRuntime(): Promise<RuntimeClient> {
  if (!shared) {
    const starting = startRuntimeWorker(singleThreaded ? { numThreads: 1 } : {});
    shared = starting;
    // A worker that failed to start is not kept: the next use tries a new one.
    starting.catch(() => {
      if (shared === starting) shared = undefined;
    });
  }
  return shared;
}

/** Terminate the shared worker (one that stopped answering) so the next use starts a fresh one. */
function replaceSharedRuntime(): void {
  singleThreaded = true;
  const old = shared;
  shared = undefined;
  void old?.then((runtime) => runtime.terminate(), () => undefined);
}

/**
 * How long starting the coordinator's worker and loading and profiling a catalogue model in it may
 * take before that worker is replaced (once; see src/ui/stall-guard.ts). The zoo's largest model
 * profiles in seconds even on one thread; 60 s is far past any worker that still answers.
 */
export const PROFILE_TIMEOUT_MS = 60_000;

/**
 * Profile a catalogue model in this tab's shared worker, bounded by {@link PROFILE_TIMEOUT_MS}: a
 * worker that does not answer in time is terminated and the profile tried once in a fresh one
 * (`onRetry` says so); a second stall rejects with a message that says what to do. Resolves with the
 * runtime that answered, for the callers that go on using it (the audits' referee).
 */
export function profileInThisTab(name: string, onRetry?: (message: string) => void, timeoutMs = PROFILE_TIMEOUT_MS): Promise<{ profile: ModelProfile; runtime: RuntimeClient }> {
  return retryOnceIfStalled(async () => {
    const runtime = await sharedRuntime();
    return { profile: await profileCatalogueModel(name, runtime), runtime };
  }, {
    what: `profiling ${name} in this tab's runtime worker`,
    timeoutMs,
    abandon: () => {
      profiles.delete(name);
      replaceSharedRuntime();
    },
    ...(onRetry ? { onRetry } : {}),
  });
}

/** A profiled model ready to plan, cached per name. */
const profiles = new Map<string, Promise<ModelProfile>>();

/** Load and profile a catalogue model in the coordinator's worker. */
export function profileCatalogueModel(name: string, runtime: RuntimeClient): Promise<ModelProfile> {
  let cached = profiles.get(name);
  if (!cached) {
    cached = (async () => {
      const bytes = await loadZooModel(name);
      const info = zooInfo(name);
      return profileModel(indexModel(parseModel(bytes)), [{ name: undefined, dims: info.inputShape }], { createSession: workerSessionFactory(runtime) });
    })();
    cached.catch(() => {
      if (profiles.get(name) === cached) profiles.delete(name);
    });
    profiles.set(name, cached);
  }
  return cached;
}

/** Profile the model, then start the run (see {@link startRunSession}); resolves once deployed. */
export async function startRun(coordinator: Coordinator, runtime: RuntimeClient, settings: RunSettings, onEvent: (event: RunEvent) => void, links?: LinkSource, options: { readonly budgetCheckAfter?: number; readonly beforeRequests?: () => Promise<unknown> } = {}): Promise<RunSession> {
  const profile = await profileCatalogueModel(settings.model, runtime);
  // Audits re-run slices on this tab's own worker (the trusted referee).
  const referee = (settings.auditRate ?? 0) > 0 ? refereeFor(runtime) : undefined;
  const session = startRunSession(coordinator, profile, settings, onEvent, { ...options, ...(links ? { links } : {}), ...(referee ? { referee, refereeHost: thisMachine() } : {}) });
  await session.started;
  return session;
}
