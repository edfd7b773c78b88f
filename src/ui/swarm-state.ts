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
import type { SwarmNodeView, SwarmStreamView } from './swarm-layout';

/** One view per node record (order kept), with busy shares from the execution rows. */
export function swarmNodesFrom(records: readonly NodeRecord[], rows: readonly LedgerRow[], quarantined: ReadonlySet<string> = new Set()): SwarmNodeView[] {
  const busy = new Map<string, number>();
  let total = 0;
  for (const row of rows) {
    if (row.type !== 'execution') continue;
    busy.set(row.nodeId, (busy.get(row.nodeId) ?? 0) + (row.busyMs ?? 0));
    total += row.busyMs ?? 0;
  }
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
