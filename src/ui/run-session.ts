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

export type { RunSettings } from '../swarm/run-session';

let shared: Promise<RuntimeClient> | undefined;

/** The coordinator tab's one runtime worker (profiling), started on first use and shared by its panels. */
export function sharedRuntime(): Promise<RuntimeClient> {
  shared ??= startRuntimeWorker();
  return shared;
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
    cached.catch(() => profiles.delete(name));
    profiles.set(name, cached);
  }
  return cached;
}

/** Profile the model, then start the run (see {@link startRunSession}); resolves once deployed. */
export async function startRun(coordinator: Coordinator, runtime: RuntimeClient, settings: RunSettings, onEvent: (event: RunEvent) => void, links?: LinkSource, options: { readonly budgetCheckAfter?: number } = {}): Promise<RunSession> {
  const profile = await profileCatalogueModel(settings.model, runtime);
  // Audits re-run slices on this tab's own worker (the trusted referee).
  const referee = (settings.auditRate ?? 0) > 0 ? refereeFor(runtime) : undefined;
  const session = startRunSession(coordinator, profile, settings, onEvent, { ...options, ...(links ? { links } : {}), ...(referee ? { referee, refereeHost: thisMachine() } : {}) });
  await session.started;
  return session;
}
