/**
 * A run as the coordinator page follows it, kept as a history record while it goes (issue 14,
 * "History": every run saved as it goes and at the end, so a reload loses nothing). It collects the
 * run's events, its first plan and re-plans, every node that took part (names and profiles as last
 * seen, so a node that leaves keeps its name), the outcomes and the baselines, and builds the
 * {@link RunRecord} on demand from the controller's ledger. Pure: the page saves what it builds.
 */
import type { CarbonLedger } from '../carbon/ledger';
import type { Placement } from '../plan/plan-types';
import type { NodeRecord } from '../swarm/coordinator';
import { withoutOutputs, type RequestOutcome, type RunEvent } from '../swarm/run-types';
import { buildRunRecord } from '../history/record-builder';
import { newRunId, type BaselineFigure, type RunConfiguration, type RunEventEntry, type RunRecord } from '../history/run-record';

/** Status of a run from its outcomes: stopped when any was cancelled, done otherwise. */
export function finalStatus(outcomes: readonly RequestOutcome[]): RunRecord['status'] {
  return outcomes.some((o) => !o.ok && o.cancelled) ? 'stopped' : 'done';
}

/** One run followed by the page. */
export class LiveRun {
  readonly id: string;
  readonly startedAt: Date;
  readonly configuration: RunConfiguration;
  private readonly startedMs: number;
  private readonly eventsList: RunEventEntry[] = [];
  private readonly replansList: { atMs: number; reason: string; plan: Placement | null }[] = [];
  private readonly nodesSeen = new Map<string, NodeRecord>();
  private outcomesList: RequestOutcome[] = [];
  private firstPlan: Placement | null = null;
  private pendingReason: string | undefined;
  private baselineFigures: readonly BaselineFigure[] = [];

  /** `nowMs` is the clock events are timed with (performance.now() on a page). */
  constructor(configuration: RunConfiguration, startedAt: Date, nowMs: number, random: () => number = Math.random) {
    this.configuration = configuration;
    this.startedAt = startedAt;
    this.startedMs = nowMs;
    this.id = newRunId(startedAt, random);
  }

  /** Outcomes so far, in the order they ended. */
  get outcomes(): readonly RequestOutcome[] {
    return this.outcomesList;
  }

  /** Events so far, oldest first. */
  get events(): readonly RunEventEntry[] {
    return this.eventsList;
  }

  /** The placement in force: the last re-plan's, else the first. */
  get placement(): Placement | null {
    return this.replansList.at(-1)?.plan ?? this.firstPlan;
  }

  /** Remember the nodes as they are now (call on every node change; later calls win). */
  noteNodes(records: readonly NodeRecord[]): void {
    for (const r of records) {
      if (r.state === 'gone' && this.nodesSeen.has(r.nodeId)) {
        // Keep the last profile known while it was present; only the state changes.
        this.nodesSeen.set(r.nodeId, { ...this.nodesSeen.get(r.nodeId)!, state: 'gone' });
      } else {
        this.nodesSeen.set(r.nodeId, r);
      }
    }
  }

  /** Set the baselines (computed when the run is first deployed). */
  setBaselines(figures: readonly BaselineFigure[]): void {
    this.baselineFigures = figures;
  }

  /** Record a run event; `nowMs` on the constructor's clock. */
  onEvent(event: RunEvent, nowMs: number): void {
    const atMs = Math.max(0, nowMs - this.startedMs);
    const add = (kind: string, text: string) => this.eventsList.push({ atMs, kind, text });
    switch (event.kind) {
      case 'deployed': {
        const hosts = new Set(event.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).size;
        add('deployed', `deployed on ${hosts} node(s) in ${Math.round(event.deployMs)} ms${event.note ? `: ${event.note}` : ''}`);
        if (this.firstPlan === null) this.firstPlan = event.placement;
        else this.replansList.push({ atMs, reason: this.pendingReason ?? event.note ?? 're-planned', plan: event.placement });
        this.pendingReason = undefined;
        break;
      }
      case 'replanning':
        this.pendingReason = event.reason;
        add('replan', `re-planning: ${event.reason}`);
        break;
      case 'node-failed':
        add('node-failed', `${event.name}: ${event.reason}`);
        break;
      case 'paused':
        add('paused', `paused: ${event.reason}`);
        break;
      case 'error':
        add('error', `error: ${event.reason}`);
        break;
      case 'audit-mismatch':
        add(event.quarantined ? 'quarantine' : 'audit', `audit: ${event.name}'s outputs disagree with the referee (${event.reason})${event.quarantined ? '; quarantined' : ''}`);
        break;
      case 'result':
        // The record keeps no outputs (runRequestFrom): neither does this, or a long run's would fill the tab.
        this.outcomesList.push(withoutOutputs(event.outcome));
        break;
      case 'deploy-progress':
        break;
    }
  }

  /** Mark results suspect after the fact (their node was quarantined later): ids as the audits name them, `r<requestId>`. */
  markSuspect(ids: Iterable<string>): void {
    const set = new Set(ids);
    this.outcomesList = this.outcomesList.map((o) => (o.ok && !o.suspect && set.has(`r${o.requestId}`) ? { ...o, suspect: true as const } : o));
  }

  /** Add a line of the page's own (a node joined or left, a what-if changed). */
  note(kind: string, text: string, nowMs: number): void {
    this.eventsList.push({ atMs: Math.max(0, nowMs - this.startedMs), kind, text });
  }

  /** The record as it stands; `ledger` is the controller's (absent before it exists). */
  record(status: RunRecord['status'], ledger: CarbonLedger | undefined, finishedAt: Date | null, error: string | null = null): RunRecord {
    return buildRunRecord({
      id: this.id,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt ? finishedAt.toISOString() : null,
      status,
      error,
      configuration: this.configuration,
      placement: this.firstPlan,
      replans: this.replansList,
      nodes: [...this.nodesSeen.values()],
      outcomes: this.outcomesList,
      ledger: ledger ?? { networkJoulesPerByte: 0, embodiedEnabled: false, rows: [] },
      baselines: this.baselineFigures,
      events: this.eventsList,
    });
  }
}
