/**
 * How many slice executions a shared host really runs at once (issue 11: three node pages and the
 * coordinator on one 2-core machine were planned as 2 full cores of slice compute, and the swarm
 * bench measured 40-70% below the predicted throughput after every slice was calibrated). The
 * missing capacity goes to work the planner does not model: the coordinator's page, moving
 * tensors through the data channels, the browser itself, other programs.
 *
 * Measured, not modelled: while a run is saturated (requests wait in its queue, so every stage has
 * work), the executions the nodes of one host report cover, on average, `concurrency` of them at
 * any moment:
 *
 *     concurrency = sum over executions of (their wall time inside the interval) / interval
 *
 * over the last `windowMs` of the saturated period. By Little's law that is the host's effective
 * number of cores for slice compute: planning the host with that many cores predicts the
 * throughput the run then measured. Pure and clock-free: the caller passes times.
 */

/** Options of {@link ConcurrencyMeter}. */
export interface ConcurrencyOptions {
  /** Longest interval judged, ms (default 5,000). */
  readonly windowMs?: number;
  /** Fewest executions in the interval for a figure (default 6). */
  readonly minExecutions?: number;
  /** Executions kept (default 512). */
  readonly keep?: number;
}

interface Execution {
  readonly nodeId: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** Measures the concurrency of slice executions on groups of nodes (see the file comment). */
export class ConcurrencyMeter {
  private readonly executions: Execution[] = [];
  /** Saturated periods, oldest first (the last two); `untilMs` undefined while it lasts. */
  private readonly periods: { sinceMs: number; untilMs?: number }[] = [];
  private readonly windowMs: number;
  private readonly minExecutions: number;
  private readonly keep: number;

  constructor(options: ConcurrencyOptions = {}) {
    this.windowMs = options.windowMs ?? 5000;
    this.minExecutions = options.minExecutions ?? 6;
    this.keep = options.keep ?? 512;
  }

  /** Say whether requests wait in the run's queue now; a gap ends the saturated period. */
  setSaturated(saturated: boolean, nowMs: number): void {
    const last = this.periods[this.periods.length - 1];
    const open = last !== undefined && last.untilMs === undefined;
    if (saturated && !open) {
      this.periods.push({ sinceMs: nowMs });
      if (this.periods.length > 2) this.periods.shift();
    } else if (!saturated && open) last.untilMs = nowMs;
  }

  /** One execution that ended at `endMs` after `wallMs` (ignored unless finite and >= 0). */
  record(nodeId: string, endMs: number, wallMs: number): void {
    if (!Number.isFinite(endMs) || !Number.isFinite(wallMs) || wallMs < 0) return;
    this.executions.push({ nodeId, startMs: endMs - wallMs, endMs });
    if (this.executions.length > this.keep) this.executions.splice(0, this.executions.length - this.keep);
  }

  /**
   * Mean number of executions on `nodeIds` running at once over the last `windowMs` of the latest
   * saturated period with enough executions in it (the current one, else the one before), or
   * undefined when there is none.
   */
  concurrency(nodeIds: ReadonlySet<string>, nowMs: number): number | undefined {
    for (let i = this.periods.length - 1; i >= 0; i--) {
      const period = this.periods[i]!;
      const figure = this.over(nodeIds, period.sinceMs, period.untilMs ?? nowMs);
      if (figure !== undefined) return figure;
    }
    return undefined;
  }

  private over(nodeIds: ReadonlySet<string>, sinceMs: number, untilMs: number): number | undefined {
    const mine = this.executions.filter((e) => nodeIds.has(e.nodeId) && e.endMs > sinceMs && e.endMs <= untilMs);
    if (mine.length < this.minExecutions) return undefined;
    // From the first execution that started in the period (the pipeline fills before it), at most
    // windowMs back, to the last one that ended.
    const end = Math.max(...mine.map((e) => e.endMs));
    const starts = mine.filter((e) => e.startMs >= sinceMs).map((e) => e.startMs);
    const start = Math.max(starts.length ? Math.min(...starts) : sinceMs, end - this.windowMs);
    const span = end - start;
    if (!(span > 0)) return undefined;
    let covered = 0;
    let counted = 0;
    for (const e of mine) {
      const overlap = Math.min(e.endMs, end) - Math.max(e.startMs, start);
      if (overlap > 0) {
        covered += overlap;
        counted++;
      }
    }
    return counted >= this.minExecutions ? covered / span : undefined;
  }
}
