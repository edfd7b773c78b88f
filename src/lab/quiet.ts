/**
 * Waiting for a quiet machine before the lab measures anything (issue 11, "benchmarks a run can
 * trust"). A node page says it is ready when its benchmark report is sent, but its renderer goes on
 * using the CPU for seconds after that (timed per process from /proc in a lab run on 2 cores: a page
 * at 0.6-1.0 cores for 2-10 s after its report, while the next page already benchmarked beside it),
 * so pages opened "one after the other" still benchmarked side by side, and a node measured again
 * "one at a time" shared the CPU with the page measured before it. The lab runs on the machine it
 * measures, so it reads the machine's own CPU time (Node's `os.cpus()`) and waits until it is idle.
 */
import os from 'node:os';

import type { CpuTimes } from '../cost/host-transfer-cpu';

export type { CpuTimes };

/** CPU time of this machine from `os.cpus()` (busy = everything but idle). */
export function machineCpuTimes(): CpuTimes {
  const cpus = os.cpus();
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus) {
    const total = times.user + times.nice + times.sys + times.idle + times.irq;
    totalMs += total;
    busyMs += total - times.idle;
  }
  return { busyMs, totalMs, cores: cpus.length };
}

/** Options of {@link waitForQuiet}. */
export interface QuietOptions {
  /** Quiet means at most this many cores busy over a window (default 0.25). */
  readonly maxBusyCores?: number;
  /** Length of one window, ms (default 1000). */
  readonly windowMs?: number;
  /** Give up waiting after this long, ms (default 30 s). */
  readonly timeoutMs?: number;
  /** CPU time source (default {@link machineCpuTimes}). */
  readonly sample?: () => CpuTimes;
  /** Waits `ms` (default a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** Defaults of {@link QuietOptions}. */
export const QUIET_DEFAULTS = { maxBusyCores: 0.25, windowMs: 1000, timeoutMs: 30_000 } as const;

/** What {@link waitForQuiet} saw. */
export interface QuietResult {
  /** True once a window was quiet; false when the time ran out (or the wait was aborted). */
  readonly quiet: boolean;
  /** Windows waited, in ms of windows. */
  readonly waitedMs: number;
  /** Cores busy in the last window. */
  readonly busyCores: number;
}

/**
 * Wait until the machine has been quiet for one window (see {@link QuietOptions}), at most
 * `timeoutMs`. Never throws for a busy machine: the caller goes on and says how busy it was.
 */
export async function waitForQuiet(options: QuietOptions = {}): Promise<QuietResult> {
  const maxBusyCores = options.maxBusyCores ?? QUIET_DEFAULTS.maxBusyCores;
  const windowMs = options.windowMs ?? QUIET_DEFAULTS.windowMs;
  const timeoutMs = options.timeoutMs ?? QUIET_DEFAULTS.timeoutMs;
  const sample = options.sample ?? machineCpuTimes;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let waitedMs = 0;
  let busyCores = Number.NaN;
  let before = sample();
  while (!options.signal?.aborted) {
    await sleep(windowMs);
    waitedMs += windowMs;
    const after = sample();
    const totalMs = after.totalMs - before.totalMs;
    // Busy share of the machine over the window x its cores; an empty window counts as busy.
    busyCores = totalMs > 0 ? ((after.busyMs - before.busyMs) / totalMs) * after.cores : Number.POSITIVE_INFINITY;
    if (busyCores <= maxBusyCores) return { quiet: true, waitedMs, busyCores };
    if (waitedMs >= timeoutMs) break;
    before = after;
  }
  return { quiet: false, waitedMs, busyCores };
}
