/**
 * What the coordinator's Run panel does, without the DOM: load and profile a catalogue model in the
 * coordinator's worker, plan with the chosen mode/weights (or a fixed k-way split), deploy, and
 * stream N seeded inputs through the swarm. The panel renders its state.
 */
import { indexModel, parseModel, profileModel, randomFeeds, toPlanModel, type ModelProfile } from '../graph/index';
import { plan } from '../plan/planner';
import { planFixedSplit } from '../plan/fixed-split';
import type { PlanWeights, PlannerMode } from '../plan/plan-types';
import { loadZooModel, zooInfo } from '../zoo/index';
import type { Coordinator } from '../swarm/coordinator';
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
): Promise<{ controller: RunController; profile: ModelProfile; done: Promise<RequestOutcome[]> }> {
  if (!Number.isInteger(settings.inferences) || settings.inferences < 1) throw new RangeError(`inferences must be a whole number >= 1, got ${settings.inferences}`);
  if (!(settings.ratePerSecond >= 0)) throw new RangeError(`rate must be >= 0, got ${settings.ratePerSecond}`);
  const profile = await profileCatalogueModel(settings.model, runtime);
  const model = toPlanModel(profile);
  const controller = new RunController({
    coordinator,
    profile,
    planNodes: (nodes) => {
      const inputs = { model, nodes: nodes.map(toPlanNode), mode: settings.mode, ...(settings.weights ? { weights: settings.weights } : {}) };
      return settings.stages > 0 ? planFixedSplit(inputs, settings.stages) : plan(inputs);
    },
    window: 3,
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
  return { controller, profile, done };
}
