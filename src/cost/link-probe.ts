/**
 * The link probe (issue 11, "measured links"): a short exchange when a link opens that measures
 * its one-way latency, its bandwidth, and the CPU that moving bytes costs at both ends. Results
 * feed `Calibration.recordLinkProbe` (calibration.ts) and through it `PlanInputs.links`.
 *
 * Exchange, over any src/mesh `Link` (the initiator runs {@link runLinkProbe}, the other end
 * {@link answerLinkProbe}):
 * 1. `pings` round trips of a small text message; latency = median RTT / 2.
 * 2. bulk transfers of each size in `bulkBytes` (default 256 KiB and 1 MiB, `rounds` times each),
 *    sent as 64 KiB binary messages through `sendChunks` (backpressure as for tensors); the receiver
 *    answers once it has every byte. Time T(bytes) = first send to answer.
 * 3. Figures ({@link linkFigures}): bandwidth = the slope of T over bytes between the smallest and
 *    largest size (medians; it cancels latency and the answer's trip); when the slope is not
 *    positive (noise on a fast link), bytes / (T - 2 x latency) of the largest size.
 *    CPU ms per MB = JavaScript time spent producing and sending (sender) or receiving (receiver)
 *    per 10^6 bytes: the main-thread share of moving bytes, which competes with compute on shared
 *    cores (the browser's own network thread is not visible to a page).
 *
 * Probe messages are tagged so the two ends tell them apart from the swarm's traffic: text
 * messages are JSON with `kind: "link-probe"`, binary ones start with the 8 bytes `CEPROBE1`.
 * Whoever owns the link's other handlers must ignore these (see README.md: the lead wires it).
 */
import { sendChunks } from '../mesh/chunked-sender';
import type { Link, LinkPayload } from '../mesh/transport';
import { CostInputError } from './errors';
import { median } from './robust-stats';

/** First bytes of every binary probe message: ASCII `CEPROBE1`. */
export const PROBE_MAGIC = new Uint8Array([0x43, 0x45, 0x50, 0x52, 0x4f, 0x42, 0x45, 0x31]);
/** Size of each binary probe message, bytes (64 KiB, under MAX_MESSAGE_BYTES). */
export const PROBE_CHUNK_BYTES = 64 * 1024;

/** Options of {@link runLinkProbe}. */
export interface LinkProbeOptions {
  /** Round trips for latency (default 7). */
  readonly pings?: number;
  /** Bulk sizes, bytes (default [256 KiB, 1 MiB]). */
  readonly bulkBytes?: readonly number[];
  /** Repetitions of each bulk size (default 2). */
  readonly rounds?: number;
  /** Give up after this long, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Clock, ms (default performance.now). */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/**
 * Probe options that move `bytes` (one round trip, then bulks of at most 512 KiB, the size of the
 * tensors a run moves; a 4 MiB bulk filled the channel's buffer and crawled): what timing the CPU
 * that moving bytes costs a machine sends (src/ui/lab-hooks.ts, src/swarm/link-prober.ts).
 */
export function bulkMoveOptions(bytes: number, timeoutMs: number): LinkProbeOptions {
  const bulk = Math.min(bytes, 512 * 1024);
  return { pings: 1, bulkBytes: [bulk], rounds: Math.max(1, Math.ceil(bytes / bulk)), timeoutMs };
}

/** What the probe measured. */
export interface LinkProbeResult {
  /** One-way latency, ms. */
  readonly latencyMs: number;
  /** Throughput, bytes per second. */
  readonly bandwidthBytesPerSecond: number;
  /** Main-thread CPU per 10^6 bytes moved at the sender and at the receiver, ms. */
  readonly senderCpuMsPerMegabyte: number;
  readonly receiverCpuMsPerMegabyte: number;
  /** Raw samples: round trips, and bulk transfers (bytes, ms). */
  readonly rttsMs: readonly number[];
  readonly bulks: readonly { readonly bytes: number; readonly ms: number }[];
  /** `slope` or `largest` (see the module comment). */
  readonly bandwidthFrom: 'slope' | 'largest';
}

/** A probe that did not finish. */
export class LinkProbeError extends Error {
  override readonly name = 'LinkProbeError';
}

/**
 * The pure part: figures from raw samples (formulas in the module comment).
 *
 * @throws CostInputError when there are no round trips or no bulk samples, or a sample is not positive
 */
export function linkFigures(rttsMs: readonly number[], bulks: readonly { bytes: number; ms: number }[], cpu: { senderMs: number; receiverMs: number; bytes: number }): Omit<LinkProbeResult, 'rttsMs' | 'bulks'> {
  if (rttsMs.length === 0) throw new CostInputError('link probe: no round trip measured');
  if (bulks.length === 0) throw new CostInputError('link probe: no bulk transfer measured');
  for (const r of rttsMs) if (!(r >= 0) || !Number.isFinite(r)) throw new CostInputError(`link probe: round trip ${r} ms is not a finite number >= 0`);
  for (const b of bulks) if (!(b.bytes > 0) || !(b.ms > 0) || !Number.isFinite(b.ms)) throw new CostInputError(`link probe: bulk of ${b.bytes} bytes in ${b.ms} ms is not positive`);
  if (!(cpu.bytes > 0)) throw new CostInputError(`link probe: ${cpu.bytes} bytes moved`);
  const latencyMs = median(rttsMs) / 2;
  const sizes = [...new Set(bulks.map((b) => b.bytes))].sort((a, b) => a - b);
  const at = (bytes: number) => median(bulks.filter((b) => b.bytes === bytes).map((b) => b.ms));
  const small = sizes[0]!, large = sizes[sizes.length - 1]!;
  let bandwidth: number, from: LinkProbeResult['bandwidthFrom'];
  const slope = large > small ? (at(large) - at(small)) / (large - small) : 0;
  if (slope > 0) {
    bandwidth = 1000 / slope;
    from = 'slope';
  } else {
    const t = at(large);
    bandwidth = (1000 * large) / Math.max(t - 2 * latencyMs, 0.05 * t);
    from = 'largest';
  }
  const mb = cpu.bytes / 1e6;
  return { latencyMs, bandwidthBytesPerSecond: bandwidth, senderCpuMsPerMegabyte: cpu.senderMs / mb, receiverCpuMsPerMegabyte: cpu.receiverMs / mb, bandwidthFrom: from };
}

type ProbeText =
  | { kind: 'link-probe'; op: 'ping'; seq: number }
  | { kind: 'link-probe'; op: 'pong'; seq: number }
  | { kind: 'link-probe'; op: 'bulk-start'; seq: number; bytes: number }
  | { kind: 'link-probe'; op: 'bulk-done'; seq: number; bytes: number; receiverCpuMs: number };

/** Whether a payload belongs to the link probe (route it away from control and tensor handlers). */
export function isProbePayload(payload: LinkPayload): boolean {
  if (typeof payload === 'string') return payload.startsWith('{"kind":"link-probe"');
  if (payload.byteLength < PROBE_MAGIC.length) return false;
  const head = new Uint8Array(payload, 0, PROBE_MAGIC.length);
  return head.every((b, i) => b === PROBE_MAGIC[i]);
}

function parseProbeText(payload: LinkPayload): ProbeText | undefined {
  if (typeof payload !== 'string' || !isProbePayload(payload)) return undefined;
  try {
    const m = JSON.parse(payload) as ProbeText;
    return typeof m.seq === 'number' ? m : undefined;
  } catch {
    return undefined; // a malformed probe message is dropped like any bad inbound message
  }
}

const text = (m: ProbeText) => JSON.stringify(m);

/**
 * Answer probes on a link: pongs, and a `bulk-done` once each bulk's bytes are in. Returns the
 * unsubscribe function. Non-probe messages are ignored.
 */
export function answerLinkProbe(link: Link, now: () => number = () => performance.now()): () => void {
  let expecting: { seq: number; bytes: number; got: number; cpuMs: number; checksum: number } | undefined;
  return link.onMessage((payload) => {
    if (!isProbePayload(payload)) return;
    const t0 = now();
    if (typeof payload !== 'string') {
      if (!expecting) return;
      // Touch the bytes as a tensor receiver would (read once), so the CPU figure counts a read.
      const view = new Uint8Array(payload);
      let sum = 0;
      for (let i = PROBE_MAGIC.length; i < view.length; i += 64) sum += view[i]!;
      expecting.checksum = (expecting.checksum + sum) | 0;
      expecting.got += payload.byteLength;
      expecting.cpuMs += now() - t0;
      if (expecting.got >= expecting.bytes) {
        const done = expecting;
        expecting = undefined;
        if (!link.closed) link.send(text({ kind: 'link-probe', op: 'bulk-done', seq: done.seq, bytes: done.got, receiverCpuMs: done.cpuMs }));
      }
      return;
    }
    const m = parseProbeText(payload);
    if (!m || link.closed) return;
    if (m.op === 'ping') link.send(text({ kind: 'link-probe', op: 'pong', seq: m.seq }));
    if (m.op === 'bulk-start') expecting = { seq: m.seq, bytes: m.bytes, got: 0, cpuMs: 0, checksum: 0 };
  });
}

/** Binary probe messages totalling `bytes` (each starts with PROBE_MAGIC, then filler). */
function bulkMessages(bytes: number): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (let left = bytes; left > 0; left -= PROBE_CHUNK_BYTES) {
    const size = Math.max(Math.min(PROBE_CHUNK_BYTES, left), PROBE_MAGIC.length);
    const b = new Uint8Array(size);
    b.set(PROBE_MAGIC);
    for (let i = PROBE_MAGIC.length; i < size; i += 64) b[i] = i & 0xff;
    out.push(b.buffer);
  }
  return out;
}

/**
 * Probe a link whose other end runs {@link answerLinkProbe}.
 *
 * @throws LinkProbeError on timeout or when the link closes; CostInputError on bad options
 */
export async function runLinkProbe(link: Link, options: LinkProbeOptions = {}): Promise<LinkProbeResult> {
  const pings = options.pings ?? 7;
  const sizes = options.bulkBytes ?? [256 * 1024, 1024 * 1024];
  const rounds = options.rounds ?? 2;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  if (!Number.isInteger(pings) || pings < 1) throw new CostInputError(`pings must be a whole number >= 1, got ${pings}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new CostInputError(`rounds must be a whole number >= 1, got ${rounds}`);
  if (sizes.length === 0 || sizes.some((b) => !Number.isInteger(b) || b < PROBE_MAGIC.length)) throw new CostInputError(`bulkBytes must be whole numbers >= ${PROBE_MAGIC.length}, got [${sizes.join(', ')}]`);
  const started = now();
  let waiter: { op: ProbeText['op']; seq: number; resolve: (m: ProbeText) => void } | undefined;
  const unsubscribe = link.onMessage((payload) => {
    const m = parseProbeText(payload);
    if (m && waiter && m.op === waiter.op && m.seq === waiter.seq) waiter.resolve(m);
  });
  let closedReason: string | undefined;
  const unClose = link.onClose((reason) => { closedReason = reason; });
  const wait = (op: ProbeText['op'], seq: number): Promise<ProbeText> =>
    new Promise<ProbeText>((resolve, reject) => {
      const left = timeoutMs - (now() - started);
      const timer = setTimeout(() => reject(new LinkProbeError(`link probe to ${link.remotePeerId} timed out after ${timeoutMs} ms waiting for ${op} ${seq}`)), Math.max(0, left));
      const onAbort = () => reject(options.signal!.reason);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      waiter = {
        op, seq,
        resolve: (m) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(m);
        },
      };
    });
  const send = (payload: LinkPayload) => {
    if (link.closed) throw new LinkProbeError(`link to ${link.remotePeerId} closed during the probe${closedReason ? `: ${closedReason}` : ''}`);
    link.send(payload);
  };
  try {
    const rttsMs: number[] = [];
    let seq = 0;
    for (let i = 0; i < pings; i++) {
      options.signal?.throwIfAborted();
      const t0 = now();
      const answer = wait('pong', ++seq);
      send(text({ kind: 'link-probe', op: 'ping', seq }));
      await answer;
      rttsMs.push(now() - t0);
    }
    const bulks: { bytes: number; ms: number }[] = [];
    let senderMs = 0, receiverMs = 0, moved = 0;
    for (let r = 0; r < rounds; r++) {
      for (const bytes of sizes) {
        options.signal?.throwIfAborted();
        const t0 = now();
        const answer = wait('bulk-done', ++seq);
        send(text({ kind: 'link-probe', op: 'bulk-start', seq, bytes }));
        const c0 = now();
        const report = await sendChunks(link, bulkMessages(bytes), options.signal ? { signal: options.signal } : {});
        // Producing the bytes and handing them to the link, minus the time paused for backpressure.
        senderMs += Math.max(0, now() - c0 - report.pausedMs);
        const done = await answer;
        if (done.op !== 'bulk-done') throw new LinkProbeError('unexpected probe answer');
        bulks.push({ bytes, ms: now() - t0 });
        receiverMs += done.receiverCpuMs;
        moved += bytes;
      }
    }
    return { ...linkFigures(rttsMs, bulks, { senderMs, receiverMs, bytes: moved }), rttsMs, bulks };
  } finally {
    unsubscribe();
    unClose();
  }
}
