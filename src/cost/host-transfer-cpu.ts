/**
 * What moving a byte between two endpoints of one machine costs that machine, from its CPU time
 * read before and after a transfer (issue 11, "the CPU that moving bytes costs at both ends"). Pure:
 * the lab reads the CPU time itself (src/lab/host-transfer.ts); a coordinator page on the signaling
 * server's machine reads it from the server (GET /api/machine-cpu, src/swarm/link-prober.ts).
 */

/** A machine's CPU time so far, summed over its cores. */
export interface CpuTimes {
  readonly busyMs: number;
  readonly totalMs: number;
  readonly cores: number;
}

/**
 * CPU ms per byte of one transfer: the machine's busy time between `before` and `after` less
 * `restCores` x the wall time between them, over `bytes`; never below 0.
 *
 * @throws Error when `bytes` is not positive or the samples go back in time
 */
export function transferCpuPerByte(before: CpuTimes, after: CpuTimes, wallMs: number, bytes: number, restCores: number): number {
  if (!(bytes > 0)) throw new Error(`bytes moved must be > 0, got ${bytes}`);
  if (!(wallMs >= 0) || after.busyMs < before.busyMs) throw new Error('CPU samples must not go back in time');
  const busyMs = after.busyMs - before.busyMs - Math.max(0, restCores) * wallMs;
  return Math.max(0, busyMs) / bytes;
}

/** Cores busy on average between two samples `wallMs` apart (0 when no time passed). */
export function busyCores(before: CpuTimes, after: CpuTimes, wallMs: number): number {
  return wallMs > 0 ? Math.max(0, after.busyMs - before.busyMs) / wallMs : 0;
}
