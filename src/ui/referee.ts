/**
 * The audits' referee in a page: re-run one slice on the coordinator tab's own runtime worker (the
 * user's machine, the one host the coordinator trusts) and return its outputs, to compare with what
 * a node sent (src/trust/audit.ts, RunController.audit). Slices are loaded once per content hash,
 * at most `keep` at a time (least recently used unloaded first), always on WASM: the tolerance of
 * the comparison covers the gap between a node's WebGPU run and this one.
 */
import type { Referee } from '../swarm/run-session';
import type { RunAuditOptions } from '../swarm/run-types';
import type { RuntimeClient } from './runtime-client';
import { browserHintsFrom, buildNodeCarbonProfile } from './node-carbon-profile';

/**
 * This machine as the ledger charges the referee's work: the same estimate a node page makes of
 * itself from what the browser tells (device class prior for power, the time zone's grid), labelled
 * as such in every ledger row.
 */
export function thisMachine(): NonNullable<RunAuditOptions['refereeHost']> {
  const profile = buildNodeCarbonProfile(browserHintsFrom(navigator as Navigator & { deviceMemory?: number }, Intl.DateTimeFormat().resolvedOptions().timeZone));
  return { power: profile.power, intensity: profile.intensity };
}

const referees = new WeakMap<RuntimeClient, Referee>();

/** The one referee of `runtime` (runs share its loaded slices; a new referee per run would leak them). */
export function refereeFor(runtime: RuntimeClient): Referee {
  let referee = referees.get(runtime);
  if (!referee) referees.set(runtime, (referee = workerReferee(runtime)));
  return referee;
}

/** A referee on `runtime`, keeping at most `keep` slices loaded. */
export function workerReferee(runtime: RuntimeClient, keep = 8): Referee {
  const loaded = new Map<string, Promise<string>>();
  const modelFor = (sha256: string, model: Uint8Array): Promise<string> => {
    let id = loaded.get(sha256);
    if (id) {
      // Most recently used last.
      loaded.delete(sha256);
      loaded.set(sha256, id);
      return id;
    }
    const modelId = `audit-${sha256}`;
    // A copy: the run keeps the slice's bytes for re-deploys.
    id = runtime.api.load(modelId, model.slice(), 'wasm').then(() => modelId);
    id.catch(() => loaded.delete(sha256));
    loaded.set(sha256, id);
    while (loaded.size > keep) {
      const [oldest, old] = loaded.entries().next().value as [string, Promise<string>];
      loaded.delete(oldest);
      void old.then((m) => runtime.api.unload(m)).catch(() => undefined);
    }
    return id;
  };
  const referee = async (slice: Parameters<Referee>[0], inputs: Parameters<Referee>[1]) => {
    const modelId = await modelFor(slice.sha256, slice.model);
    const result = await runtime.api.run(modelId, inputs);
    return { outputs: result.outputs, busyMs: result.busyMs };
  };
  return referee;
}
