/**
 * What moving a byte between two pages costs the lab's machine (issue 11, "the CPU that moving bytes
 * costs at both ends"). A page measures only its own main thread's share of a transfer (the link
 * probe's `senderCpuMsPerMegabyte`), but on one machine every thread that moves the bytes takes the
 * cores the slices compute on: both pages' WebRTC threads (SCTP, DTLS), the browser's network and
 * IO threads, both main threads. The lab runs on the machine it measures, so it reads the machine's
 * own CPU time (`os.cpus()`, src/lab/quiet.ts) while the coordinator sends a few MB to each page,
 * takes away what the machine used before at rest, and divides by the bytes: CPU ms per byte moved,
 * every process counted. The planner charges it to the pages' shared host for each hop between
 * two of them or the coordinator (HostGroup.transferCpuMsPerByte); a run's measured host
 * concurrency replaces it once the run has warmed up (src/cost/host-concurrency.ts).
 */
import { median } from '../cost/robust-stats';
import { transferCpuPerByte, type CpuTimes } from '../cost/host-transfer-cpu';
import { machineCpuTimes } from './quiet';

export { transferCpuPerByte };

/** One transfer as the page reports it. */
export interface MovedBytes {
  readonly bytes: number;
  readonly ms: number;
}

/** What {@link measureHostTransfer} found. */
export interface HostTransferCpu {
  /** Median over the transfers, ms of CPU per byte (every process on the machine). */
  readonly msPerByte: number;
  /** Each transfer's figure, ms per byte, in order. */
  readonly samples: readonly number[];
  /** Each transfer's rate as the page timed it, bytes per second. */
  readonly bytesPerSecond: readonly number[];
}

/** Options of {@link measureHostTransfer}. */
export interface HostTransferOptions {
  /** Cores the machine kept busy at rest just before (e.g. waitForQuiet's last window). */
  readonly restCores: number;
  /** CPU time source (default the machine's). */
  readonly sample?: () => CpuTimes;
  /** Wall clock, ms (default Date.now). */
  readonly now?: () => number;
}

/**
 * Time the machine's CPU around each of `moves` (one transfer each, run one after the other) and
 * return the median CPU per byte. Undefined when there is no move.
 */
export async function measureHostTransfer(moves: readonly (() => Promise<MovedBytes>)[], options: HostTransferOptions): Promise<HostTransferCpu | undefined> {
  const sample = options.sample ?? machineCpuTimes;
  const now = options.now ?? Date.now;
  const samples: number[] = [];
  const bytesPerSecond: number[] = [];
  for (const move of moves) {
    const t0 = now();
    const before = sample();
    const moved = await move();
    const after = sample();
    samples.push(transferCpuPerByte(before, after, now() - t0, moved.bytes, options.restCores));
    bytesPerSecond.push(moved.ms > 0 ? (1000 * moved.bytes) / moved.ms : Infinity);
  }
  return samples.length ? { msPerByte: median(samples), samples, bytesPerSecond } : undefined;
}
