/**
 * The swarm picture's state from what the coordinator page holds (node records, the run's ledger
 * rows), pure, so ce-swarm-view only displays:
 *
 *     busy share of a node   = its execution rows' busyMs / all execution rows' busyMs (run so far)
 *     stream rate a -> b     = bytes of hop rows a -> b recorded in the last `windowMs` / window (s)
 *
 * Nodes marked quarantined by the caller are drawn so; gone nodes are passed through and left out of
 * the picture by the layout.
 */
import type { LedgerRow } from '../carbon/ledger';
import type { NodeRecord } from '../swarm/coordinator';
import { carbonOf } from '../swarm/plan-inputs';
import type { RunEvent } from '../swarm/run-types';
import type { BaselineFigure } from '../history/run-record';
import type { PresenterFigures, SwarmEventView, SwarmNodeView, SwarmStreamView } from './swarm-layout';

/** Busy ms per node id over the execution rows, and their sum. */
export interface BusyShares {
  readonly busy: ReadonlyMap<string, number>;
  readonly total: number;
}

/** The execution rows' busy ms per node (one pass over the rows). */
export function busySharesOf(rows: readonly LedgerRow[]): BusyShares {
  const busy = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    if (row.type !== 'execution') continue;
    busy.set(row.nodeId, (busy.get(row.nodeId) ?? 0) + (row.busyMs ?? 0));
    total += row.busyMs ?? 0;
  }
  return { busy, total };
}

/** One view per node record (order kept), with busy shares from the execution rows (or their {@link busySharesOf}). */
export function swarmNodesFrom(records: readonly NodeRecord[], rows: readonly LedgerRow[] | BusyShares, quarantined: ReadonlySet<string> = new Set()): SwarmNodeView[] {
  const { busy, total } = Array.isArray(rows) ? busySharesOf(rows as readonly LedgerRow[]) : (rows as BusyShares);
  return records.map((r) => {
    const { intensity } = carbonOf(r);
    return {
      nodeId: r.nodeId,
      name: r.name,
      deviceClass: r.deviceClass,
      state: quarantined.has(r.nodeId) && r.state !== 'gone' ? 'quarantined' : r.state,
      gramsCo2PerKwh: intensity.gramsCo2PerKwh,
      intensityZone: intensity.zone,
      intensityConfigured: intensity.source === 'configured',
      busyShare: total > 0 ? (busy.get(r.nodeId) ?? 0) / total : 0,
      simulated: r.simulated,
    };
  });
}

/**
 * Measured stream rates over the last `windowMs` before `nowMs` (ms since epoch), from hop rows'
 * `recordedAt`. Throws RangeError for a window that is not > 0.
 */
export function streamRates(rows: readonly LedgerRow[], nowMs: number, windowMs = 5000): SwarmStreamView[] {
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
  const bytes = new Map<string, { fromId: string; toId: string; bytes: number }>();
  for (const row of rows) {
    if (row.type !== 'hop' || row.toNodeId === null) continue;
    const at = Date.parse(row.recordedAt);
    if (!(at > nowMs - windowMs && at <= nowMs)) continue;
    const key = `${row.nodeId}>${row.toNodeId}`;
    const entry = bytes.get(key) ?? { fromId: row.nodeId, toId: row.toNodeId, bytes: 0 };
    entry.bytes += row.bytes ?? 0;
    bytes.set(key, entry);
  }
  return [...bytes.values()].map((e) => ({ fromId: e.fromId, toId: e.toId, bytesPerSecond: e.bytes / (windowMs / 1000) }));
}

/**
 * Join and leave events from two successive node lists (by id): a node new in `after` joined; one
 * whose state became `gone` (or that vanished) left, with the coordinator's reason when it has one.
 */
export function nodeChangeEvents(before: readonly NodeRecord[], after: readonly NodeRecord[], nowMs: number): SwarmEventView[] {
  const old = new Map(before.map((n) => [n.nodeId, n]));
  const now = new Map(after.map((n) => [n.nodeId, n]));
  const events: SwarmEventView[] = [];
  for (const n of after) {
    const was = old.get(n.nodeId);
    if (!was && n.state !== 'gone') events.push({ atMs: nowMs, kind: 'join', text: `${n.name} joined` });
    else if (was && was.state !== 'gone' && n.state === 'gone') events.push({ atMs: nowMs, kind: 'leave', text: `${n.name} left${n.goneReason ? ` (${n.goneReason})` : ''}` });
  }
  for (const n of before) if (!now.has(n.nodeId) && n.state !== 'gone') events.push({ atMs: nowMs, kind: 'leave', text: `${n.name} left` });
  return events;
}

/** A run event as a line of the picture (results are not events: they move the numbers). */
export function runEventLine(event: RunEvent, nowMs: number): SwarmEventView | null {
  switch (event.kind) {
    case 'deployed':
      return { atMs: nowMs, kind: 'deployed', text: `plan deployed: ${event.placement.pipelines.length} pipeline${event.placement.pipelines.length === 1 ? '' : 's'}, ${Math.max(...event.placement.pipelines.map((p) => p.slices.length))} slice${event.placement.pipelines.some((p) => p.slices.length > 1) ? 's' : ''} (${Math.round(event.deployMs)} ms)` };
    case 'replanning':
      return { atMs: nowMs, kind: 'replan', text: `re-planning: ${event.reason}` };
    case 'error':
      return { atMs: nowMs, kind: 'error', text: `error: ${event.reason}` };
    case 'audit-mismatch':
      return { atMs: nowMs, kind: event.quarantined ? 'quarantine' : 'error', text: `${event.name} failed an audit${event.quarantined ? ': quarantined' : ''}` };
    case 'budget':
      // A re-plan says why in its own `replanning` line.
      return event.check.outcome === 'replanned' ? null : { atMs: nowMs, kind: 'info', text: `latency budget: ${event.check.reason}` };
    case 'result':
      return null;
    default:
      return null;
  }
}

/**
 * The presenter strip from a run's totals and its baselines: grams saved against `baselineKey`
 * (default the fastest node: what a performance-only scheduler would emit) over the completed
 * inferences; null when that baseline is missing.
 *
 * Baselines are predictions and the run is measured, and the planner's model can be far from the
 * measurement (on a shared machine its full-power estimate was ~6x the ledger's figure), so a
 * measured run against a predicted baseline would mostly show that gap. When the run's own plan as
 * predicted (`plan-predicted`) is known, the saving is like for like, both predicted:
 *
 *     saved = completed x (baseline gCO2 per inference - plan-predicted gCO2 per inference)
 *
 * and `savedAgainst` says "(both predicted)". Without it: baseline x completed - measured total.
 */
export function presenterFrom(
  totals: { readonly completed: number; readonly total: { readonly gramsCo2: number }; readonly gramsCo2PerInference: number },
  baselines: readonly BaselineFigure[],
  inferencesTotal: number,
  baselineKey = 'fastest-node',
): PresenterFigures {
  const b = baselines.find((x) => x.key === baselineKey);
  const own = baselines.find((x) => x.key === 'plan-predicted');
  const saved = !b || totals.completed === 0 ? null
    : own ? totals.completed * (b.gramsCo2PerInference - own.gramsCo2PerInference)
      : b.gramsCo2PerInference * totals.completed - totals.total.gramsCo2;
  return {
    inferencesDone: totals.completed,
    inferencesTotal,
    gramsCo2SoFar: totals.total.gramsCo2,
    gramsCo2Saved: saved,
    savedAgainst: b ? `${b.label}${own ? ' (both predicted)' : ''}` : 'a baseline (not available yet)',
  };
}
