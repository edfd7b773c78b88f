/**
 * "Compare modes" (issue 14, "Experiments in one click"): the same seeded inputs through several
 * configurations back to back on the nodes present, with `repeats` rounds. Rounds interleave the
 * configurations (A B C, A B C, ...) so a drift of the shared machine spreads over all of them
 * instead of favouring the first. Each run goes through the same run loop as the Run panel
 * (src/swarm/run-session.ts startRunSession) and becomes a history record (live-run.ts) labelled with
 * its configuration, so the comparison's figures are sums of each run's own ledger rows
 * (compare-modes.ts compareInputsFromRuns).
 */
import { toPlanModel, type ModelProfile } from '../graph/index';
import type { PlannerMode } from '../plan/plan-types';
import type { Coordinator } from '../swarm/coordinator';
import { measureLinksFirst, startRunSession, type LinkSource, type RunSettings } from '../swarm/run-session';
import type { RunRecord } from '../history/run-record';
import { LiveRun, finalStatus } from './live-run';
import { runInsights } from './run-insights';

/** One configuration of a comparison. */
export interface CompareConfiguration {
  /** Unique label, e.g. `green`, `split3-balanced`. */
  readonly label: string;
  readonly mode: PlannerMode;
  /** 0 = the planner decides; k = k slices on k nodes. */
  readonly stages: number;
}

/** The configurations offered, in the order shown. */
export const COMPARE_PRESETS: readonly CompareConfiguration[] = [
  { label: 'performance', mode: 'performance', stages: 0 },
  { label: 'balanced', mode: 'balanced', stages: 0 },
  { label: 'green', mode: 'green', stages: 0 },
  { label: 'split2-balanced', mode: 'balanced', stages: 2 },
  { label: 'split3-balanced', mode: 'balanced', stages: 3 },
];

/** What a comparison needs. */
export interface CompareOptions {
  /** The coordinator (with what-if overrides applied, when any). */
  readonly coordinator: Coordinator;
  readonly profile: ModelProfile;
  /** Catalogue name of the profiled model. */
  readonly model: string;
  readonly configurations: readonly CompareConfiguration[];
  /** Rounds over every configuration (>= 1). */
  readonly repeats: number;
  /** Inferences per run (>= 1). */
  readonly inferences: number;
  /** Seed of the inputs, the same for every run (request i uses seed + i). */
  readonly seed?: number;
  /** Called before each run: `green: repeat 2 of 3 (run 5 of 9)`. */
  readonly onProgress?: (text: string) => void;
  /** Called with each run's record as it goes and when it ends (save it under its id). */
  readonly onRecord?: (record: RunRecord) => void;
  readonly signal?: AbortSignal;
  /** Clock for event times (default performance.now). */
  readonly nowMs?: () => number;
  /** Measured links the planner uses, as in the Run panel (src/swarm/link-prober.ts). */
  readonly links?: LinkSource;
}

/** A comparison was asked for with bad settings. */
export class CompareSettingsError extends Error {
  override name = 'CompareSettingsError';
}

/** Check the settings before anything runs; returns the problem in words, or undefined. */
export function compareProblem(o: Pick<CompareOptions, 'configurations' | 'repeats' | 'inferences'>): string | undefined {
  if (o.configurations.length < 2) return `pick at least 2 configurations to compare, got ${o.configurations.length}`;
  const labels = new Set(o.configurations.map((c) => c.label));
  if (labels.size !== o.configurations.length) return 'two configurations have the same label';
  if (!Number.isInteger(o.repeats) || o.repeats < 1 || o.repeats > 20) return `repeats must be a whole number from 1 to 20, got ${o.repeats}`;
  if (!Number.isInteger(o.inferences) || o.inferences < 1) return `inferences must be a whole number >= 1, got ${o.inferences}`;
  return undefined;
}

/**
 * Run every configuration `repeats` times, one run at a time; resolves with every run's record
 * (failed ones included, status `failed`). Throws CompareSettingsError on bad settings. An abort
 * stops the run in progress (its record says `stopped`) and runs nothing more.
 */
export async function runComparison(o: CompareOptions): Promise<RunRecord[]> {
  const problem = compareProblem(o);
  if (problem) throw new CompareSettingsError(problem);
  const now = o.nowMs ?? (() => performance.now());
  const model = toPlanModel(o.profile);
  const records: RunRecord[] = [];
  const total = o.configurations.length * o.repeats;
  // Links first, as the Run panel does: the first configuration would plan on the LAN defaults.
  if (o.links?.measurePending) {
    o.onProgress?.('measuring links');
    const unmeasured = await measureLinksFirst(o.links, (id) => o.coordinator.nodes().find((n) => n.nodeId === id)?.name ?? id);
    if (unmeasured) o.onProgress?.(unmeasured);
  }
  let index = 0;
  for (let round = 1; round <= o.repeats; round++) {
    for (const c of o.configurations) {
      if (o.signal?.aborted) return records;
      index++;
      o.onProgress?.(`${c.label}: repeat ${round} of ${o.repeats} (run ${index} of ${total})`);
      const settings: RunSettings = { model: o.model, mode: c.mode, stages: c.stages, inferences: o.inferences, ratePerSecond: 0, seed: o.seed ?? 1 };
      const live = new LiveRun({ ...settings, label: c.label }, new Date(), now());
      live.noteNodes(o.coordinator.nodes());
      let record: RunRecord;
      let baselined = false;
      let controller: ReturnType<typeof startRunSession>['controller'] | undefined;
      const onAbort = () => controller?.stop('stopped by the user');
      o.signal?.addEventListener('abort', onAbort);
      try {
        const session = startRunSession(o.coordinator, o.profile, settings, (e) => {
          live.onEvent(e, now());
          if (e.kind === 'deployed') {
            live.noteNodes(o.coordinator.nodes());
            // Baselines for the same work, from the nodes of the first plan (kept with the run).
            if (!baselined) live.setBaselines(runInsights(o.coordinator.nodes(), model, e.placement, live.configuration, o.links).baselines);
            baselined = true;
            o.onRecord?.(live.record('running', session.controller.ledger, null));
          }
        }, o.links ? { links: o.links } : {});
        controller = session.controller;
        const outcomes = await session.done;
        live.noteNodes(o.coordinator.nodes());
        record = live.record(finalStatus(outcomes), session.controller.ledger, new Date());
        // Done: stop listening to the room and unload the slices before the next configuration.
        session.controller.stop('comparison run finished');
      } catch (error) {
        record = live.record('failed', controller?.ledger, new Date(), (error as Error).message);
        controller?.stop('comparison run failed');
      } finally {
        o.signal?.removeEventListener('abort', onAbort);
      }
      records.push(record);
      o.onRecord?.(record);
    }
  }
  return records;
}
