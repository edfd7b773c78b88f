/**
 * The intensity in force for each node over time (issue 15: "the planner and ledger use the
 * figure in force at each execution"). A node's reading changes when a live provider publishes a
 * new half-hour, a forecast hour starts, or the user edits the profile; each change is recorded
 * with the time it takes effect. `inForceAt(node, t)` is the latest reading that took effect at or
 * before t, so a run that crosses a change is charged per execution. Pure; pass
 * `(node, t) => timeline.inForceAt(node, t)` as the ledger's `intensityAt`.
 */
import { IntensityKindMixError, type IntensityReading } from './intensity';

/** One change of a node's intensity. */
export interface IntensityChange {
  /** Time the reading takes effect, ms since epoch. */
  readonly effectiveFromMs: number;
  readonly reading: IntensityReading;
}

/** A change was not usable (time, kind). */
export class IntensityTimelineError extends Error {
  override name = 'IntensityTimelineError';
}

/** Per-node, time-ordered intensity changes. */
export class IntensityTimeline {
  readonly #byNode = new Map<string, IntensityChange[]>();

  /**
   * Record that `reading` is in force for `nodeId` from `effectiveFromMs` (default: the reading's
   * `observedAt`). A change at the same time as an earlier one replaces it. Throws when the time is
   * not finite or the kind (average/marginal) differs from the node's earlier readings.
   */
  record(nodeId: string, reading: IntensityReading, effectiveFromMs?: number): void {
    const fromMs = effectiveFromMs ?? (reading.observedAt === null ? NaN : Date.parse(reading.observedAt));
    if (!Number.isFinite(fromMs)) {
      throw new IntensityTimelineError(`change for ${nodeId} needs a finite effective time (reading observedAt ${String(reading.observedAt)})`);
    }
    const changes = this.#byNode.get(nodeId) ?? [];
    const other = changes[0]?.reading;
    if (other && other.kind !== reading.kind) {
      throw new IntensityKindMixError(`node ${nodeId} has ${other.kind} readings; refusing a ${reading.kind} one (${reading.source})`);
    }
    const same = changes.findIndex((c) => c.effectiveFromMs === fromMs);
    if (same >= 0) changes[same] = { effectiveFromMs: fromMs, reading };
    else {
      changes.push({ effectiveFromMs: fromMs, reading });
      changes.sort((a, b) => a.effectiveFromMs - b.effectiveFromMs);
    }
    this.#byNode.set(nodeId, changes);
  }

  /** The reading in force for `nodeId` at `atMs`, or undefined before its first change. */
  inForceAt(nodeId: string, atMs: number): IntensityReading | undefined {
    const changes = this.#byNode.get(nodeId);
    if (!changes) return undefined;
    // Binary search for the last change with effectiveFromMs <= atMs.
    let lo = 0;
    let hi = changes.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (changes[mid]!.effectiveFromMs <= atMs) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : changes[found]!.reading;
  }

  /** Every change of a node, time order. */
  changes(nodeId: string): readonly IntensityChange[] {
    return [...(this.#byNode.get(nodeId) ?? [])];
  }
}
