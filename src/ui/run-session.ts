/**
 * What the coordinator's Run panel does, without the DOM: load and profile a catalogue model in the
 * coordinator's worker, plan with the chosen mode/weights (or a fixed k-way split), deploy, and
 * stream N seeded inputs through the swarm. The panel renders its state.
 */
import { indexModel, parseModel, profileModel, randomFeeds, toPlanModel, type ModelProfile } from '../graph/index';
import { plan } from '../plan/planner';
import { planFixedSplit } from '../plan/fixed-split';
import { planPinned } from '../plan/pinned';
import type { PlanConstraints, PlanResult, PlanWeights, PlannerMode } from '../plan/plan-types';
import { loadZooModel, zooInfo } from '../zoo/index';
import type { Coordinator, NodeRecord } from '../swarm/coordinator';
import { toPlanNode } from '../swarm/plan-inputs';
import { RunController, type RequestOutcome, type RunEvent } from '../swarm/run-controller';
import type { RuntimeClient } from './runtime-client';
import { workerSessionFactory } from './worker-session';

/** What the user chose. */
export interface RunSettings {
  /** Catalogue name, e.g. `mobilenetv2`. */
  readonly model: string;
  readonly mode: PlannerMode;
  /** Explicit weights; win over the mode. */
  readonly weights?: PlanWeights;
  /** 0 = let the planner decide; k >= 1 = exactly k slices on k distinct nodes. */
  readonly stages: number;
  readonly inferences: number;
  /** Requests per second; 0 = as fast as the swarm takes them. */
  readonly ratePerSecond: number;
  /** Seed of the random inputs (request i uses seed + i). */
  readonly seed: number;
  /**
   * Force the placement (lab, issue 7): node NAMES in slice order; one name = the whole model on that
   * node, k names = k balanced slices on them (src/plan/pinned.ts). Wins over `stages`.
   */
  readonly pin?: readonly string[];
  /** Requests in flight per pipeline (default 3; 1 = the paper's closed loop). */
  readonly window?: number;
  /** Planner constraints, e.g. a latency budget (planner runs only). */
  readonly constraints?: PlanConstraints;
}

/** Pinned node names -> node ids of `nodes`; a missing name gives a failed plan naming the ready nodes. */
function pinnedPlan(inputs: Parameters<typeof planPinned>[0], nodes: readonly NodeRecord[], names: readonly string[]): PlanResult {
  const ids: string[] = [];
  for (const name of names) {
    const found = nodes.find((n) => n.name === name);
    if (!found) return { ok: false, reason: `pinned node "${name}" is not ready (ready: ${nodes.map((n) => n.name).join(', ') || 'none'})`, binding: 'input' };
    ids.push(found.nodeId);
  }
  return planPinned(inputs, ids);
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

/** Start a run: resolves with the controller once deployed; outcomes stream through `onOutcome`. */
export async function startRun(
  coordinator: Coordinator,
  runtime: RuntimeClient,
  settings: RunSettings,
  onEvent: (event: RunEvent) => void,
): Promise<{ controller: RunController; profile: ModelProfile; done: Promise<RequestOutcome[]>; planningMs: () => number }> {
  if (!Number.isInteger(settings.inferences) || settings.inferences < 1) throw new RangeError(`inferences must be a whole number >= 1, got ${settings.inferences}`);
  if (!(settings.ratePerSecond >= 0)) throw new RangeError(`rate must be >= 0, got ${settings.ratePerSecond}`);
  const profile = await profileCatalogueModel(settings.model, runtime);
  const model = toPlanModel(profile);
  let planningMs = 0;
  const controller = new RunController({
    coordinator,
    profile,
    planNodes: (nodes) => {
      const t0 = performance.now();
      const inputs = {
        model,
        nodes: nodes.map(toPlanNode),
        mode: settings.mode,
        ...(settings.weights ? { weights: settings.weights } : {}),
        ...(settings.constraints ? { constraints: settings.constraints } : {}),
      };
      const result = settings.pin?.length ? pinnedPlan(inputs, nodes, settings.pin)
        : settings.stages > 0 ? planFixedSplit(inputs, settings.stages) : plan(inputs);
      planningMs += performance.now() - t0;
      return result;
    },
    window: settings.window ?? 3,
  });
  controller.onEvent(onEvent);
  await controller.start();
  const done = (async () => {
    const pending: Promise<RequestOutcome>[] = [];
    for (let i = 0; i < settings.inferences; i++) {
      pending.push(controller.submit(randomFeeds(profile.index, profile.inputShapes, settings.seed + i)));
      if (settings.ratePerSecond > 0) await new Promise((r) => setTimeout(r, 1000 / settings.ratePerSecond));
    }
    return Promise.all(pending);
  })();
  return { controller, profile, done, planningMs: () => planningMs };
}
