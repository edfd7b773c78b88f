/**
 * One run loop for every caller: the coordinator page's Run panel, the lab's page hook and the
 * integration tests (under Node, over the in-memory network). It takes an already profiled model,
 * chooses placements the way the user asked (planner, k slices on k nodes, or pinned nodes; see
 * {@link choosePlacement}), creates the {@link RunController} at once (so a Stop works while it
 * plans and deploys) and streams N seeded inputs through the swarm.
 */
import { randomFeeds, toPlanModel, type ModelProfile } from '../graph/index';
import type { TensorData } from '../runtime/tensor';
import { choosePlacement as planPlacement, placementChoiceOf, type PlacementSwarm } from '../plan/choose-placement';
import { evaluatePlacement } from '../plan/planner';
import { type Placement, type PlacementLayout, type PlanConstraints, type PlanInputs, type PlanLink, type PlanNode, type PlanOptions, type PlanResult, type PlanWeights, type PlannerMode } from '../plan/plan-types';
import type { Coordinator, NodeRecord } from './coordinator';
import { plannedHostGroups, toPlanNode } from './plan-inputs';
import { calibratedNode, sliceCorrections } from './calibration-feed';
import { RunController, type PlanContext, type RequestOutcome, type RunControllerOptions, type RunEvent, type RunPlanResult } from './run-controller';
import { withoutOutputs, type RunAuditOptions } from './run-types';
import { learningKey, preferKept, type RunLearning } from './run-learning';

/** Runs one slice on a trusted host for the audits (the coordinator's own worker in a page). */
export type Referee = RunAuditOptions['referee'];

/** Fewest cores a measured shared host is planned with (a figure below is noise from a stall). */
const MIN_HOST_CORES = 0.25;

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
   * Force the placement (lab): node NAMES in slice order; one name = the whole model on that node,
   * k names = k balanced slices on them (src/plan/pinned.ts). Wins over `stages`.
   */
  readonly pin?: readonly string[];
  /** Requests in flight per pipeline (default 3; 1 = the paper's closed loop). */
  readonly window?: number;
  /** Planner constraints, e.g. a latency budget (planner runs only). */
  readonly constraints?: PlanConstraints;
  /** Run every slice on this backend (nodes without it are left out); default: the planner picks per slice. */
  readonly backend?: 'wasm' | 'webgpu';
  /**
   * Share of requests audited, 0..1 (src/trust/audit.ts): each slice of an audited request is re-run
   * on the coordinator's own worker and compared. 0 or absent = no audits. Needs a referee.
   */
  readonly auditRate?: number;
}

/** `node` with only `backend` left (undefined when it has none). */
function onlyBackend(node: PlanNode, backend: string): PlanNode | undefined {
  const rate = node.flopsPerSecondByBackend[backend];
  if (!(rate && rate > 0)) return undefined;
  const cost = node.costByBackend?.[backend];
  const { costByBackend: _costs, ...rest } = node;
  return { ...rest, flopsPerSecondByBackend: { [backend]: rate }, ...(cost ? { costByBackend: { [backend]: cost } } : {}) };
}

/**
 * The placement for `settings` on `nodes`, through the planner's one choice function
 * (src/plan/choose-placement.ts). Pinned names must all be ready (a lab configuration is exact or
 * fails). A k-way split asks for k nodes; when re-planning after losing nodes with no spare left it
 * uses as many slices as there are nodes (down to the whole model on one) and says so. A planner
 * run at rate 0 led by latency plans for the swarm's summed capacity ('max', see requestRate),
 * adding pipelines where that helps; nodes sharing this machine are planned as one host group;
 * links the coordinator measured (`links`, link-prober.ts) replace the LAN defaults.
 */
export function choosePlacement(settings: RunSettings, model: PlanInputs['model'], ready: readonly NodeRecord[], context: PlanContext, links?: LinkSource): RunPlanResult {
  const built = swarmFor(settings, model, ready, context, links);
  if ('reason' in built) return { ok: false, reason: built.reason, binding: 'input' };
  const { swarm, nodes } = built;
  // A budget check that saw the run over its latency budget re-plans aiming lower (run-controller.ts).
  const scale = context.latencyBudgetScale;
  const constraints = settings.constraints?.latencyBudgetMs !== undefined && scale !== undefined && scale > 0 && scale < 1
    ? { ...settings.constraints, latencyBudgetMs: settings.constraints.latencyBudgetMs * scale }
    : settings.constraints;
  const common = {
    mode: settings.mode,
    ...(settings.weights ? { weights: settings.weights } : {}),
    ...(constraints ? { constraints } : {}),
  };
  let choice = placementChoiceOf(settings);
  let note: string | undefined;
  if (choice.kind === 'split' && choice.stages > nodes.length) {
    if (!(context.replan && nodes.length > 0)) {
      const names = nodes.map((n) => n.name).join(', ') || 'none';
      return { ok: false, reason: `${choice.stages} slices on ${choice.stages} nodes need ${choice.stages} ready nodes; ${nodes.length} ready (${names})`, binding: 'input' };
    }
    const k = nodes.length;
    note = `${choice.stages} slices asked, ${k} node(s) left: running ${k === 1 ? 'the whole model on one node' : `${k} slices`}`;
    choice = { kind: 'split', stages: k };
  }
  const result = planPlacement(swarm, {
    ...common,
    placement: choice,
    ...(choice.kind === 'planner' ? { requestsPerSecond: requestRate(settings) } : {}),
  });
  return result.ok && note ? { ...result, note } : result;
}

/**
 * A placement that is running (or ran), predicted again on `ready` with what `context` knows (the
 * run's calibration, its shared hosts' concurrency, measured links): its slices stay where they
 * are (src/plan/planner.ts `evaluatePlacement`). The lab's "after the warm-up" figure, so that
 * what it puts next to a measurement is a prediction of the placement that was measured.
 */
export function predictPlacement(settings: RunSettings, model: PlanInputs['model'], ready: readonly NodeRecord[], context: PlanContext, placement: Omit<Placement, 'pipelines' | 'prediction'> & PlacementLayout, links?: LinkSource): PlanResult {
  const built = swarmFor(settings, model, ready, context, links);
  if ('reason' in built) return { ok: false, reason: built.reason, binding: 'input' };
  const { nodeNames: _names, ...inputs } = built.swarm;
  return evaluatePlacement({ ...inputs, mode: settings.mode, ...(settings.weights ? { weights: settings.weights } : {}) }, placement);
}

/**
 * The swarm as the planner sees it for `settings` on `ready` (see {@link choosePlacement}), or why
 * there is none: what a plan of the run is made on, for whatever explains it.
 */
export function swarmFor(settings: RunSettings, model: PlanInputs['model'], ready: readonly NodeRecord[], context: PlanContext, links?: LinkSource): { swarm: PlacementSwarm; nodes: NodeRecord[] } | { reason: string } {
  const calibration = context.calibration;
  // Each ready node as the planner sees it: corrected by what the run measured (calibration-feed.ts),
  // and left out when the run forces a backend it does not have.
  const planned = ready.flatMap((record) => {
    const node = calibration ? calibratedNode(toPlanNode(record), calibration) : toPlanNode(record);
    const kept = settings.backend ? onlyBackend(node, settings.backend) : node;
    return kept ? [{ record, node: kept }] : [];
  });
  if (settings.backend && planned.length === 0) return { reason: `no ready node has a working ${settings.backend} backend` };
  const nodes = planned.map((p) => p.record);
  const corrections = calibration ? sliceCorrections(calibration, new Set(nodes.map((n) => n.nodeId as string))) : undefined;
  const ids = nodes.map((n) => n.nodeId as string);
  // Links as measured (probes) or the LAN defaults; the planner times hops by what the run's own
  // hops took (hopTimeScale) and keeps the links' bandwidth as their capacity.
  const hopScale = context.hopScale !== undefined && context.hopScale > 0 && Number.isFinite(context.hopScale) ? context.hopScale : 1;
  const measuredLinks = links?.planLinks(ids) ?? [];
  const transferCpu = links?.transferCpuMsPerByte(ids);
  const options: PlanOptions = {
    ...(transferCpu !== undefined ? { transferCpuMsPerByte: transferCpu } : {}),
    ...(hopScale !== 1 ? { hopTimeScale: hopScale } : {}),
  };
  // A shared host gets at most the concurrency its nodes' executions reached in this run (with
  // cores to spare otherwise it would have gone faster): the capacity that other work left them.
  // The coordinator's machine gets what moving a byte costs it, where that was measured (the lab).
  const hostCpu = links?.hostTransferCpuMsPerByte?.();
  const hostGroups = plannedHostGroups(nodes, hostCpu).map((group) => {
    const members = planned.filter((p) => p.node.hostGroup === group.id).map((p) => p.node.id);
    const reached = members.length ? context.hostConcurrency?.(members) : undefined;
    return reached === undefined ? group : { ...group, cores: Math.min(group.cores, Math.max(MIN_HOST_CORES, reached)), measured: true };
  });
  const swarm: PlacementSwarm = {
    model,
    nodes: planned.map((p) => p.node),
    hostGroups,
    nodeNames: new Map(nodes.map((n) => [n.nodeId as string, n.name])),
    ...(corrections && corrections.size ? { sliceCorrections: corrections } : {}),
    ...(measuredLinks.length ? { links: measuredLinks } : {}),
    ...(Object.keys(options).length ? { options } : {}),
  };
  return { swarm, nodes };
}

/**
 * The request rate a planner run plans for: the rate asked, else, when latency leads the choice
 * (Performance, or weights with latency >= 0.5), the swarm's summed capacity ('max': replicated
 * pipelines wherever they add throughput). Balanced and Green runs at rate 0 stay on one pipeline:
 * replicas on dirtier nodes would raise grams per inference to finish sooner, which they do not ask.
 */
export function requestRate(settings: Pick<RunSettings, 'ratePerSecond' | 'weights' | 'mode'>): number | 'max' | undefined {
  if (settings.ratePerSecond > 0) return settings.ratePerSecond;
  const latencyLeads = settings.weights ? settings.weights.latency >= 0.5 : settings.mode === 'performance';
  return latencyLeads ? 'max' : undefined;
}

/** Longest wait for unmeasured links before a run's (or a comparison's) first plan, ms: a probe takes about a second. */
export const LINK_WAIT_MS = 15_000;

/**
 * Measure the links `links` has not measured yet, at most LINK_WAIT_MS (LinkSource.measurePending):
 * a run started right after its nodes joined would otherwise plan every hop on the LAN defaults.
 * Resolves with a line naming the nodes still unmeasured, for the page, or undefined.
 */
export async function measureLinksFirst(links: LinkSource, nameOf: (nodeId: string) => string): Promise<string | undefined> {
  const left = (await links.measurePending?.(LINK_WAIT_MS)) ?? [];
  if (!left.length) return undefined;
  return `${left.length} node link${left.length === 1 ? ' was' : 's were'} not measured within ${LINK_WAIT_MS / 1000} s: the plan takes LAN defaults for ${left.length === 1 ? 'it' : 'them'} (${left.map(nameOf).join(', ')})`;
}

/** Measured links for plans (src/swarm/link-prober.ts). */
export interface LinkSource {
  /** Coordinator and node-to-node links among these nodes. */
  planLinks(nodeIds: readonly string[]): PlanLink[];
  /** Main-thread CPU per byte at each end of a hop, ms, when measured. */
  transferCpuMsPerByte(nodeIds: readonly string[]): number | undefined;
  /** Whether the link to this node was measured. */
  has(nodeId: string): boolean;
  /**
   * Measure the links of ready nodes not measured yet, now (the page's prober waits for a quiet
   * room otherwise); resolves with the node ids still unmeasured after at most `timeoutMs`.
   */
  measurePending?(timeoutMs: number): Promise<string[]>;
  /**
   * CPU the coordinator's machine spends per byte moved between two endpoints on it, ms, every
   * thread and process counted (HostGroup.transferCpuMsPerByte), when known: a page cannot measure
   * it; the lab does (src/lab/browser-lab.ts) and declares it.
   */
  hostTransferCpuMsPerByte?(): number | undefined;
}

/** A run in progress. */
export interface RunSession {
  readonly controller: RunController;
  readonly profile: ModelProfile;
  /** Settles when the first deployment is done (rejects when no placement works at the start). */
  readonly started: Promise<void>;
  /** Settles when the last of the N requests was submitted (rejects only when the run could not start). */
  readonly submitted: Promise<void>;
  /**
   * Every outcome, once all N requests ended (rejects only when the run could not start); with
   * `keepOutputs: false` their `outputs` are empty (the events carried them).
   */
  readonly done: Promise<RequestOutcome[]>;
  /** Time spent planning so far, ms. */
  planningMs(): number;
  /** Change how later plans choose (mode, weights, constraints); call `controller.replan` to apply now. */
  updateSettings(patch: Partial<Pick<RunSettings, 'mode' | 'weights' | 'constraints'>>): void;
}

/**
 * Bytes of inputs a stream holds made and not yet ended (docs/decisions.md, "Inputs made ahead,
 * within a budget"): 64 MiB is 111 MobileNetV2 inputs.
 */
export const STREAM_INPUT_BUDGET_BYTES = 64 * 2 ** 20;

/** Requests being submitted one by one; see {@link submitStream}. */
export interface SubmitStream {
  /** Settles when the last request was submitted. */
  readonly submitted: Promise<void>;
  /** Every outcome in the order submitted, once all ended (outputs emptied unless kept). */
  readonly outcomes: Promise<RequestOutcome[]>;
}

/** Bytes of one request's inputs. */
export const inputBytes = (inputs: Record<string, TensorData>): number => Object.values(inputs).reduce((a, t) => a + t.data.byteLength, 0);

/**
 * Submit `count` requests to `controller`, the i-th with the inputs `make(i)`, made when it is
 * submitted. At most as many are outstanding (submitted, not yet ended) as
 * {@link STREAM_INPUT_BUDGET_BYTES} of inputs hold, and never fewer than `window` x (pipelines + 1):
 * the controller's `window` in flight on each pipeline and a window more waiting in its queue. A run
 * of 100,000 inferences holds 64 MiB of inputs, not 100,000 of them (before, every input was made
 * at the start). The first batch is made before its first request is sent, so that a run that fits
 * in the budget makes every input before anything runs: inputs made while the swarm runs take the
 * coordinator's main thread from it (made in one burst during the warm-up the calibration measures,
 * they put the throughput predicted after it 32-49% low: docs/decisions.md).
 *
 * Paced (`ratePerSecond` > 0), one request is submitted every 1000 / ratePerSecond ms, within the
 * same bound. With `keepOutputs: false` the outcomes kept for {@link SubmitStream.outcomes} drop their
 * outputs as they end: a caller that takes results as they come (the Run panel) does not hold a
 * long run's outputs until its end (100,000 MobileNetV2 results are 400 MB). Once the run stops, the rest are submitted with no inputs and end at once as the stop
 * says: every request of the stream ends exactly once.
 */
export function submitStream(
  controller: Pick<RunController, 'submit' | 'phase' | 'placement'>,
  count: number,
  make: (i: number) => Record<string, TensorData>,
  options: { readonly window: number; readonly ratePerSecond?: number; readonly inputBudgetBytes?: number; readonly keepOutputs?: boolean },
): SubmitStream {
  const paced = (options.ratePerSecond ?? 0) > 0;
  const budget = options.inputBudgetBytes ?? STREAM_INPUT_BUDGET_BYTES;
  let perRequest = 0;
  const limit = (): number => Math.max(options.window * ((controller.placement?.pipelines.length ?? 1) + 1), Math.floor(budget / Math.max(1, perRequest)));
  const pending: Promise<RequestOutcome>[] = [];
  let outstanding = 0;
  let wake: (() => void) | undefined;
  const made = (i: number): Record<string, TensorData> => {
    const inputs = make(i);
    perRequest = Math.max(perRequest, inputBytes(inputs));
    return inputs;
  };
  const submitted = (async () => {
    // The first batch is made before any of it is sent: making inputs never overlaps the first request.
    const first: Record<string, TensorData>[] = count > 0 && controller.phase !== 'stopped' ? [made(0)] : [];
    while (first.length > 0 && first.length < Math.min(count, limit())) first.push(made(first.length));
    for (let i = 0; i < count; i++) {
      while (controller.phase !== 'stopped' && outstanding >= limit()) await new Promise<void>((resolve) => (wake = resolve));
      const stopped = controller.phase === 'stopped';
      const inputs = stopped ? {} : i < first.length ? first[i]! : made(i);
      if (i < first.length) first[i] = {};
      outstanding++;
      const outcome = controller.submit(inputs);
      pending.push(options.keepOutputs === false ? outcome.then(withoutOutputs) : outcome);
      void outcome.then(() => {
        outstanding--;
        const w = wake;
        wake = undefined;
        w?.();
      });
      if (paced && !stopped) await new Promise((r) => setTimeout(r, 1000 / options.ratePerSecond!));
    }
  })();
  return { submitted, outcomes: submitted.then(() => Promise.all(pending)) };
}

/** Check what a user typed before anything starts. */
export function runSettingsProblem(settings: RunSettings): string | undefined {
  if (!Number.isInteger(settings.inferences) || settings.inferences < 1) return `inferences must be a whole number >= 1, got ${settings.inferences}`;
  if (!(settings.ratePerSecond >= 0) || !Number.isFinite(settings.ratePerSecond)) return `rate must be a number >= 0, got ${settings.ratePerSecond}`;
  if (!Number.isInteger(settings.stages) || settings.stages < 0) return `slices must be a whole number >= 0, got ${settings.stages}`;
  if (settings.auditRate !== undefined && !(settings.auditRate >= 0 && settings.auditRate <= 1)) return `audit share must be between 0 and 1 (0-100 %), got ${settings.auditRate}`;
  const budget = settings.constraints?.latencyBudgetMs;
  if (budget !== undefined && !(budget > 0 && Number.isFinite(budget))) return `latency budget must be a number of ms > 0 (0 = none), got ${budget}`;
  return undefined;
}

/** Start a run of a profiled model: the controller exists at once; deployment and requests follow. */
export function startRunSession(
  coordinator: Coordinator,
  profile: ModelProfile,
  settings: RunSettings,
  onEvent: (event: RunEvent) => void,
  options: Partial<Omit<RunControllerOptions, 'coordinator' | 'profile' | 'planNodes'>> & {
    readonly links?: LinkSource;
    readonly referee?: Referee;
    readonly refereeHost?: RunAuditOptions['refereeHost'];
    /** Awaited after the first deployment, before the first request (the lab waits there for a quiet machine). */
    readonly beforeRequests?: () => Promise<unknown>;
    /** Keep every outcome's outputs for `done` (default true; see {@link submitStream}). */
    readonly keepOutputs?: boolean;
    /**
     * Learn from runs (run-learning.ts): the run is named `label` in its learning
     * (`controller.learning()`), and its first plan uses `prior` when it fits.
     */
    readonly learn?: { readonly label: string; readonly prior?: RunLearning };
  } = {},
): RunSession {
  const { links, referee, refereeHost, beforeRequests, keepOutputs, learn, ...controllerOptions } = options;
  const problem = runSettingsProblem(settings);
  if (problem) throw new RangeError(problem);
  const auditRate = settings.auditRate ?? 0;
  if (auditRate > 0 && !referee && !controllerOptions.audit) throw new RangeError(`audits (${auditRate * 100} % of requests) need a referee to re-run slices on; none was given`);
  const model = toPlanModel(profile);
  let planningMs = 0;
  let current = settings;
  const controller = new RunController({
    window: settings.window ?? 3,
    // The budget a planner run promised (pinned and k-on-k placements do not plan for one).
    latencyBudgetMs: () => (placementChoiceOf(current).kind === 'planner' ? current.constraints?.latencyBudgetMs : undefined),
    ...(auditRate > 0 && referee ? { audit: { rate: auditRate, referee, ...(refereeHost ? { refereeHost } : {}) } } : {}),
    ...controllerOptions,
    ...(learn ? { learning: { ...learn, key: learningKey(profile, { window: settings.window ?? 3, ratePerSecond: settings.ratePerSecond }) } } : {}),
    coordinator,
    profile,
    planNodes: (nodes, context) => {
      const t0 = performance.now();
      let result = choosePlacement(current, model, nodes, context, links);
      // The first plan made with an earlier run's figures keeps that run's placement when the best
      // plan is hardly better (run-learning.ts keepsUp): no new slices to deploy for nothing.
      const prior = learn?.prior;
      if (prior?.placement && !context.replan && context.calibration === prior.calibration && placementChoiceOf(current).kind !== 'pinned') {
        const best = result, layout = prior.placement;
        // Predicted again within the new plan's frame (weights, normalisation): preferKept keeps those.
        result = preferKept(best, layout, () => (best.ok ? predictPlacement(current, model, nodes, context, { ...best.placement, pipelines: layout.pipelines }, links) : best), prior.label, current.constraints?.latencyBudgetMs);
      }
      planningMs += performance.now() - t0;
      return result;
    },
  });
  controller.onEvent(onEvent);
  const started = controller.start();
  const stream = started.then(() => beforeRequests?.()).then(() =>
    submitStream(controller, settings.inferences, (i) => randomFeeds(profile.index, profile.inputShapes, settings.seed + i), { window: settings.window ?? 3, ratePerSecond: settings.ratePerSecond, ...(keepOutputs === false ? { keepOutputs } : {}) }),
  );
  const submitted = stream.then((s) => s.submitted);
  const done = stream.then((s) => s.outcomes);
  submitted.catch(() => undefined);
  done.catch(() => undefined);
  return {
    controller, profile, started, submitted, done,
    planningMs: () => planningMs,
    updateSettings(patch) {
      const { weights, ...rest } = patch;
      current = { ...current, ...rest, ...('weights' in patch ? { weights } : {}) };
    },
  };
}
