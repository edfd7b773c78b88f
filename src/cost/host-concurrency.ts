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
 * throughput the run then measured, when the plan's slice times are the mean walls of the same
 * executions. They are not: the planner's are calibrated predictions (geometric centres of the
 * last 9 walls), and on a shared host walls are skewed (a mean 10-25% above the median) and a
 * centre of 9 samples is ~10-20% off (the swarm bench's sampling floor). Planned with the
 * plain concurrency, the bench's throughput prediction after the warm-up was the product of two
 * noisy figures (errors -48% to +36% over 14 runs). So {@link ConcurrencyMeter.effectiveCores}
 * counts each execution for its current prediction instead of its wall:
 *
 *     cores = sum over executions of (their time inside the interval x predicted / wall) / interval
 *
 * and a host planned with that many cores runs, on the planner's own slice times, at the rate its
 * executions reached in the interval: the errors of the slice predictions cancel out of the
 * throughput. Pure and clock-free: the caller passes times.
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
  /** The execution's slice time as predicted now, ms (read when judged). */
  readonly predictedMs?: () => number;
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

  /**
   * One execution that ended at `endMs` after `wallMs` (ignored unless finite and >= 0);
   * `predictedMs` gives its slice's predicted time when asked (for {@link effectiveCores}).
   */
  record(nodeId: string, endMs: number, wallMs: number, predictedMs?: () => number): void {
    if (!Number.isFinite(endMs) || !Number.isFinite(wallMs) || wallMs < 0) return;
    this.executions.push({ nodeId, startMs: endMs - wallMs, endMs, ...(predictedMs ? { predictedMs } : {}) });
    if (this.executions.length > this.keep) this.executions.splice(0, this.executions.length - this.keep);
  }

  /**
   * Mean number of executions on `nodeIds` running at once over the last `windowMs` of the latest
   * saturated period with enough executions in it (the current one, else the one before), or
   * undefined when there is none.
   */
  concurrency(nodeIds: ReadonlySet<string>, nowMs: number): number | undefined {
    return this.latest(nodeIds, nowMs, () => 1);
  }

  /**
   * The cores to plan the host with on the planner's slice times: {@link concurrency} with each
   * execution counted for predicted / wall of its time (1 for an execution recorded without a
   * prediction, or whose prediction is not a finite number > 0); see the file comment.
   */
  effectiveCores(nodeIds: ReadonlySet<string>, nowMs: number): number | undefined {
    return this.latest(nodeIds, nowMs, (e) => {
      const predicted = e.predictedMs?.();
      const wall = e.endMs - e.startMs;
      return predicted !== undefined && predicted > 0 && Number.isFinite(predicted) && wall > 0 ? predicted / wall : 1;
    });
  }

  private latest(nodeIds: ReadonlySet<string>, nowMs: number, weight: (e: Execution) => number): number | undefined {
    for (let i = this.periods.length - 1; i >= 0; i--) {
      const period = this.periods[i]!;
      const figure = this.over(nodeIds, period.sinceMs, period.untilMs ?? nowMs, weight);
      if (figure !== undefined) return figure;
    }
    return undefined;
  }

  private over(nodeIds: ReadonlySet<string>, sinceMs: number, untilMs: number, weight: (e: Execution) => number): number | undefined {
    const mine = this.executions.filter((e) => nodeIds.has(e.nodeId) && e.endMs > sinceMs && e.endMs <= untilMs);
    if (mine.length < this.minExecutions) return undefined;
    // From the latest of the nodes' first starts in the period (a pipeline fills stage by stage, and
    // a later stage's wait for its first input is not capacity the host lacked: counted, it put the
    // throughput predicted after a 10-inference warm-up 10-20% low), at most windowMs back, to the
    // last end.
    const firstStart = new Map<string, number>();
    for (const e of mine) {
      if (e.startMs >= sinceMs) firstStart.set(e.nodeId, Math.min(firstStart.get(e.nodeId) ?? Infinity, e.startMs));
    }
    const end = Math.max(...mine.map((e) => e.endMs));
    const start = Math.max(firstStart.size ? Math.max(...firstStart.values()) : sinceMs, end - this.windowMs);
    const span = end - start;
    if (!(span > 0)) return undefined;
    let covered = 0;
    let counted = 0;
    for (const e of mine) {
      const overlap = Math.min(e.endMs, end) - Math.max(e.startMs, start);
      if (overlap > 0) {
        covered += overlap * weight(e);
        counted++;
      }
    }
    return counted >= this.minExecutions ? covered / span : undefined;
  }
}
