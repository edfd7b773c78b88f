/**
 * Measured links for the planner (issue 11: the planner predicted every hop from a 100 Mbit/s
 * default it never checked). The coordinator probes its link to each node once the node is ready
 * (src/cost/link-probe.ts: round trips for latency, two bulk sizes for bandwidth, the main-thread
 * CPU that moving bytes costs at each end), one node at a time and never while a run is deploying
 * or running (a probe would slow the run and the run would spoil the probe). A node that rejoins
 * keeps its figures.
 *
 * What the planner gets ({@link LinkProber.planLinks}):
 * - coordinator <-> node: the probe's latency and bandwidth;
 * - node <-> node, for two probed nodes: an estimate, not a measurement - the slower of the two
 *   bandwidths and the larger of the two latencies (on a Wi-Fi LAN both legs go through the access
 *   point, and each device's own leg is what its coordinator link saw);
 * - transfer CPU per byte at each end of a hop: the median over probed nodes of (sender + receiver
 *   CPU ms per MB) / 2 (the planner charges it at both ends, on the cores the slices use);
 * - what moving a byte costs the coordinator's machine when nodes share it
 *   ({@link LinkProber.hostTransferCpuMsPerByte}): timed from the machine's CPU time when the page
 *   can read it (`machineCpu`: the signaling server's GET /api/machine-cpu, answered to a page on its
 *   machine), else an estimate from the bandwidth of their links.
 *
 * Every figure comes from a peer's answers: a result outside plausible bounds is refused and
 * counted, never planned on.
 */
import { busyCores, transferCpuPerByte, type CpuTimes } from '../cost/host-transfer-cpu';
import { bulkMoveOptions, runLinkProbe, type LinkProbeOptions, type LinkProbeResult } from '../cost/link-probe';
import { COORDINATOR_ID, type PlanLink } from '../plan/plan-types';
import type { Link } from '../mesh/transport';
import type { NodeId } from '../protocol/ids';
import type { Coordinator, NodeRecord } from './coordinator';
import { SIMULATED_HOST_GROUP, hostGroupOf } from './plan-inputs';

/** What the coordinator knows of its link to one node. */
export interface ProbedLink {
  readonly latencyMs: number;
  readonly bandwidthBytesPerSecond: number;
  /** Main-thread CPU ms per 10^6 bytes at the coordinator (sender) and at the node (receiver). */
  readonly senderCpuMsPerMegabyte: number;
  readonly receiverCpuMsPerMegabyte: number;
  /**
   * For a node on the coordinator's machine: CPU ms per 10^6 bytes moved to it that the whole
   * machine spent (every process), timed from the machine's CPU time; absent when not timed.
   */
  readonly hostCpuMsPerMegabyte?: number;
  /** When it was measured (the prober's clock, ms). */
  readonly atMs: number;
}

/** Options of {@link LinkProber}. */
export interface LinkProberOptions {
  /** True while a run deploys or runs: probes wait (default: never busy). */
  readonly busy?: () => boolean;
  /** Probe settings (default: 5 round trips, 64 KiB and 512 KiB twice: about 1.2 MB per node). */
  readonly probe?: LinkProbeOptions;
  /** Runs one probe (default runLinkProbe; tests replace it). */
  readonly run?: (link: Link, options: LinkProbeOptions) => Promise<LinkProbeResult>;
  /** How often to look for work when busy or after a failure, ms (default 2,000). */
  readonly retryMs?: number;
  readonly now?: () => number;
  /**
   * The coordinator's machine's CPU time (the page: the signaling server's GET /api/machine-cpu).
   * With it, the move to each node on that machine is timed after its probe (see
   * {@link LinkProber.hostTransferCpuMsPerByte}); the first refusal turns the timing off.
   */
  readonly machineCpu?: () => Promise<CpuTimes>;
  /** Bytes each such timing moves (default {@link HOST_TIMING_BYTES}). */
  readonly hostTimingBytes?: number;
  /** How long the machine's load at rest is read before the move, ms (default 500). */
  readonly restMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Bytes moved to time a node's transfers on the coordinator's machine: 2 MiB in 512 KiB bulks, the size of the tensors a run moves. */
export const HOST_TIMING_BYTES = 2 * 1024 * 1024;
/** The machine counts as quiet enough to time a move when at most this many cores were busy just before. */
export const HOST_TIMING_MAX_REST_CORES = 0.5;
/** Rest windows (`restMs` each) a timing waits at most for the machine to be that quiet. */
export const HOST_TIMING_REST_WINDOWS = 4;

/** Plausible bounds of a probe's figures; anything outside is refused. */
const BOUNDS = {
  latencyMs: [0, 10_000],
  bandwidthBytesPerSecond: [1e3, 1e11],
  cpuMsPerMegabyte: [0, 10_000],
} as const;

const within = (x: number, [lo, hi]: readonly [number, number]) => Number.isFinite(x) && x >= lo && x <= hi;

/** Why a probe result cannot be believed, or undefined when it can. */
export function probeProblem(r: Pick<LinkProbeResult, 'latencyMs' | 'bandwidthBytesPerSecond' | 'senderCpuMsPerMegabyte' | 'receiverCpuMsPerMegabyte'>): string | undefined {
  if (!within(r.latencyMs, BOUNDS.latencyMs)) return `latency ${r.latencyMs} ms is outside ${BOUNDS.latencyMs.join('..')} ms`;
  if (!within(r.bandwidthBytesPerSecond, BOUNDS.bandwidthBytesPerSecond)) return `bandwidth ${r.bandwidthBytesPerSecond} B/s is outside ${BOUNDS.bandwidthBytesPerSecond.join('..')} B/s`;
  for (const [name, v] of [['sender', r.senderCpuMsPerMegabyte], ['receiver', r.receiverCpuMsPerMegabyte]] as const) {
    if (!within(v, BOUNDS.cpuMsPerMegabyte)) return `${name} CPU ${v} ms/MB is outside ${BOUNDS.cpuMsPerMegabyte.join('..')} ms/MB`;
  }
  return undefined;
}

/** Reading the machine's CPU time failed (the timing is then turned off). */
class CpuReadError extends Error {}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Probes the coordinator's links, keeps the figures, and turns them into planner links. */
export class LinkProber {
  private readonly results = new Map<string, ProbedLink>();
  private readonly failures = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private offChange: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private probing: string | undefined;
  private stopped = false;
  /** Callers of measurePending waiting: probes go ahead busy or not. */
  private urgent = 0;
  /** Results refused as implausible, and probes that failed (timeout, link closed). */
  refused = 0;
  failed = 0;
  /** The last refusal or failure, for the page. */
  lastProblem: string | undefined;
  /** Why the machine's CPU time cannot be read (the timing is off), once it could not. */
  machineCpuProblem: string | undefined;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly options: LinkProberOptions = {},
  ) {}

  /** Start watching for ready nodes to probe. */
  start(): void {
    this.stopped = false;
    this.offChange ??= this.coordinator.onChange(() => this.schedule(0));
    this.schedule(0);
  }

  /** Stop probing (a probe under way finishes; its result is kept). */
  stop(): void {
    this.stopped = true;
    this.offChange?.();
    this.offChange = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Forget every figure and probe each ready node again, one at a time as before (the lab calls it
   * once the room is quiet: a node is first probed as soon as it is ready, while its page may still
   * be busy after its benchmark). Nodes refused as implausible stay refused.
   */
  reprobe(): void {
    this.results.clear();
    for (const fn of this.listeners) fn();
    this.schedule(0);
  }

  /**
   * Probe every ready node not measured yet (and not given up on) now, busy or not, one at a time;
   * resolves with the ids still unmeasured when done or after `timeoutMs`. A run calls it before
   * its first plan: a run started right after its nodes joined would otherwise plan every hop on
   * the LAN defaults, since probes wait while nodes are still busy after their benchmarks.
   */
  async measurePending(timeoutMs: number): Promise<string[]> {
    const deadline = this.now() + timeoutMs;
    this.urgent++;
    try {
      for (;;) {
        const left = this.coordinator.nodes().filter((n) => this.toProbe(n)).map((n) => n.nodeId as string);
        if (!left.length || this.now() >= deadline) return left;
        if (!this.probing) void this.next();
        await this.sleep(50);
      }
    } finally {
      this.urgent--;
    }
  }

  /** Subscribe to new results. */
  onResult(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Whether the coordinator's link to this node was measured. */
  has(nodeId: string): boolean {
    return this.results.has(nodeId);
  }

  /** The coordinator's link to a node, when probed. */
  linkOf(nodeId: string): ProbedLink | undefined {
    return this.results.get(nodeId);
  }

  /** Links among `nodeIds` and the coordinator, as the planner takes them (see the file comment). */
  planLinks(nodeIds: readonly string[]): PlanLink[] {
    const probed = nodeIds.filter((id) => this.results.has(id));
    const out: PlanLink[] = probed.map((id) => {
      const r = this.results.get(id)!;
      return { fromId: COORDINATOR_ID, toId: id, latencyMs: r.latencyMs, bandwidthBytesPerSecond: r.bandwidthBytesPerSecond };
    });
    for (let i = 0; i < probed.length; i++) {
      for (let j = i + 1; j < probed.length; j++) {
        const a = this.results.get(probed[i]!)!;
        const b = this.results.get(probed[j]!)!;
        out.push({ fromId: probed[i]!, toId: probed[j]!, latencyMs: Math.max(a.latencyMs, b.latencyMs), bandwidthBytesPerSecond: Math.min(a.bandwidthBytesPerSecond, b.bandwidthBytesPerSecond) });
      }
    }
    return out;
  }

  /** Main-thread CPU per byte at each end of a hop, ms (median over probed `nodeIds`), or undefined. */
  transferCpuMsPerByte(nodeIds: readonly string[]): number | undefined {
    const perMb = nodeIds.flatMap((id) => {
      const r = this.results.get(id);
      return r ? [(r.senderCpuMsPerMegabyte + r.receiverCpuMsPerMegabyte) / 2] : [];
    });
    return perMb.length ? median(perMb) / 1e6 : undefined;
  }

  /**
   * What moving one byte between pages of the coordinator's machine costs that machine, ms, when
   * at least one node on it (simulated, a lab page, a page the server saw there: plan-inputs.ts)
   * was probed; undefined otherwise. A page cannot read its machine's CPU time (the lab does:
   * src/lab/host-transfer.ts), so this is estimated: between two pages of one machine no wire
   * limits a transfer, the CPU that moves the bytes does, so while they move at the probed
   * bandwidth B at least one core is busy: 1000 / B ms per byte, the median over those links.
   * A lower bound: measured here, the probes' 9.4-15.8 MB/s give 63-107 ms per MB where the lab
   * timed the machine at 103-147 (docs/decisions.md, "A shared host pays for moving bytes").
   */
  hostTransferCpuMsPerByte(): number | undefined {
    const onMachine = this.coordinator.nodes().flatMap((n) => {
      const r = n.state !== 'gone' && hostGroupOf(n) === SIMULATED_HOST_GROUP ? this.results.get(n.nodeId) : undefined;
      return r ? [r] : [];
    });
    const timed = onMachine.flatMap((r) => (r.hostCpuMsPerMegabyte !== undefined ? [r.hostCpuMsPerMegabyte / 1e6] : []));
    if (timed.length) return median(timed);
    return onMachine.length ? median(onMachine.map((r) => 1000 / r.bandwidthBytesPerSecond)) : undefined;
  }

  /**
   * CPU ms per 10^6 bytes the coordinator's machine spends moving bytes to a node on it: its busy
   * time (every process) while {@link HOST_TIMING_BYTES} go to the node in 512 KiB bulks, less its
   * load at rest just before (the first of up to HOST_TIMING_REST_WINDOWS windows at most
   * HOST_TIMING_MAX_REST_CORES busy) times the move's wall time, over the bytes (src/cost/host-transfer-cpu.ts,
   * as the lab does from `os.cpus()`). Undefined, with `lastProblem` set, when the machine stayed busy
   * before the move or the figure is implausible; the first error reading the CPU time turns the
   * timing off (`machineCpuProblem`).
   */
  private async timeHostTransfer(link: Link, name: string): Promise<number | undefined> {
    const machineCpu = this.options.machineCpu!;
    const read = () => machineCpu().catch((e: Error) => Promise.reject(new CpuReadError(e.message)));
    let s0: CpuTimes, s1: CpuTimes, t0: number, t1: number;
    try {
      // The load at rest over the last window before the move: up to HOST_TIMING_REST_WINDOWS
      // windows for one quiet enough (pages go on computing for seconds after their benchmarks).
      s1 = await read();
      t1 = this.now();
      let rest = Infinity;
      for (let w = 0; w < HOST_TIMING_REST_WINDOWS && rest > HOST_TIMING_MAX_REST_CORES; w++) {
        [s0, t0] = [s1, t1];
        await this.sleep(this.options.restMs ?? 500);
        s1 = await read();
        t1 = this.now();
        rest = busyCores(s0, s1, t1 - t0);
      }
      if (rest > HOST_TIMING_MAX_REST_CORES) {
        this.lastProblem = `${name}: the machine was busy (${rest.toFixed(2)} cores) before timing what moving bytes costs it; not timed`;
        return undefined;
      }
      const moved = await (this.options.run ?? runLinkProbe)(link, bulkMoveOptions(this.options.hostTimingBytes ?? HOST_TIMING_BYTES, 30_000));
      const s2 = await read();
      const bytesMoved = moved.bulks.reduce((a, b) => a + b.bytes, 0);
      const perMb = transferCpuPerByte(s1, s2, this.now() - t1, bytesMoved, rest) * 1e6;
      if (!within(perMb, BOUNDS.cpuMsPerMegabyte)) {
        this.lastProblem = `${name}: moving bytes timed at ${perMb} ms of CPU per MB, outside ${BOUNDS.cpuMsPerMegabyte.join('..')}; not used`;
        return undefined;
      }
      return perMb;
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof CpuReadError) this.machineCpuProblem = message;
      this.lastProblem = `${name}: could not time what moving bytes costs the machine (${message})`;
      return undefined;
    }
  }

  /** A ready node whose link is not measured and not given up on (3 failures). */
  private toProbe(n: NodeRecord): boolean {
    return n.state === 'ready' && !this.results.has(n.nodeId) && (this.failures.get(n.nodeId) ?? 0) < 3;
  }

  private now(): number {
    return (this.options.now ?? (() => performance.now()))();
  }

  private sleep(ms: number): Promise<void> {
    return this.options.sleep ? this.options.sleep(ms) : new Promise((r) => setTimeout(r, ms));
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer || this.probing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.next();
    }, ms);
  }

  private async next(): Promise<void> {
    if (this.stopped || this.probing) return;
    const todo = this.coordinator.nodes().find((n) => this.toProbe(n));
    if (!todo) return;
    if (!this.urgent && this.options.busy?.()) {
      this.schedule(this.options.retryMs ?? 2000);
      return;
    }
    const link = this.coordinator.linkOf(todo.nodeId as NodeId);
    if (!link) return;
    this.probing = todo.nodeId;
    const probe = this.options.probe ?? { pings: 5, bulkBytes: [64 * 1024, 512 * 1024], rounds: 2, timeoutMs: 10_000 };
    try {
      const r = await (this.options.run ?? runLinkProbe)(link, probe);
      const problem = probeProblem(r);
      if (problem) {
        this.refused++;
        this.failures.set(todo.nodeId, 3); // a node that answers implausibly is not asked again
        this.lastProblem = `${todo.name}: refused its link probe (${problem})`;
      } else {
        // A node on the coordinator's machine: time what moving bytes to it costs the machine.
        const host = this.options.machineCpu && !this.machineCpuProblem && hostGroupOf(todo) === SIMULATED_HOST_GROUP ? await this.timeHostTransfer(link, todo.name) : undefined;
        this.results.set(todo.nodeId, {
          latencyMs: r.latencyMs,
          bandwidthBytesPerSecond: r.bandwidthBytesPerSecond,
          senderCpuMsPerMegabyte: r.senderCpuMsPerMegabyte,
          receiverCpuMsPerMegabyte: r.receiverCpuMsPerMegabyte,
          ...(host !== undefined ? { hostCpuMsPerMegabyte: host } : {}),
          atMs: this.now(),
        });
        for (const fn of this.listeners) fn();
      }
    } catch (error) {
      this.failed++;
      this.failures.set(todo.nodeId, (this.failures.get(todo.nodeId) ?? 0) + 1);
      this.lastProblem = `${todo.name}: link probe failed (${(error as Error).message})`;
    } finally {
      this.probing = undefined;
    }
    this.schedule(this.failures.get(todo.nodeId) ? (this.options.retryMs ?? 2000) : 0);
  }
}
