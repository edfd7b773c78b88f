import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Calibration } from '../../../src/cost/calibration';
import { answerLinkProbe, isProbePayload, linkFigures, LinkProbeError, PROBE_MAGIC, runLinkProbe } from '../../../src/cost/link-probe';
import { LinkBase } from '../../../src/mesh/link-base';
import type { LinkPayload } from '../../../src/mesh/transport';

/**
 * A link pair with a one-way latency and a bandwidth on fake timers: each message is serialised
 * behind the previous one (bytes / bandwidth) and arrives `latencyMs` later.
 */
class SimLink extends LinkBase {
  peer!: SimLink;
  private busyUntil = 0;
  private queued = 0;
  constructor(readonly remotePeerId: string, private readonly latencyMs: number, private readonly bytesPerMs: number) {
    super();
  }
  get bufferedAmount(): number {
    return this.queued;
  }
  send(payload: LinkPayload): void {
    this.checkSend(payload);
    const bytes = typeof payload === 'string' ? payload.length : payload.byteLength;
    const start = Math.max(Date.now(), this.busyUntil);
    this.busyUntil = start + bytes / this.bytesPerMs;
    this.queued += bytes;
    setTimeout(() => { this.queued -= bytes; }, this.busyUntil - Date.now());
    setTimeout(() => this.peer.deliver(payload), this.busyUntil - Date.now() + this.latencyMs);
  }
  close(): void {
    this.markClosed('closed');
    this.peer.markClosed('closed by peer');
  }
}

function simPair(latencyMs: number, bytesPerSecond: number): [SimLink, SimLink] {
  const a = new SimLink('b', latencyMs, bytesPerSecond / 1000);
  const b = new SimLink('a', latencyMs, bytesPerSecond / 1000);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runLinkProbe over a simulated link', () => {
  it('measures latency and bandwidth of a 4 ms, 20 MB/s link; feeds the calibration', async () => {
    const [a, b] = simPair(4, 20e6);
    const otherTraffic: LinkPayload[] = [];
    b.onMessage((p) => { if (!isProbePayload(p)) otherTraffic.push(p); });
    const stop = answerLinkProbe(b, () => Date.now());
    const probing = runLinkProbe(a, { now: () => Date.now() });
    a.send('{"kind":"heartbeat","sentAtMs":1,"load":0}');
    await vi.advanceTimersByTimeAsync(5_000);
    const r = await probing;
    stop();
    expect(r.latencyMs).toBeGreaterThanOrEqual(4);
    expect(r.latencyMs).toBeLessThan(4.1);
    expect(r.bandwidthFrom).toBe('slope');
    expect(r.bandwidthBytesPerSecond / 20e6).toBeGreaterThan(0.97);
    expect(r.bandwidthBytesPerSecond / 20e6).toBeLessThan(1.03);
    expect(r.bulks).toHaveLength(4);
    expect(otherTraffic).toEqual(['{"kind":"heartbeat","sentAtMs":1,"load":0}']);
    const cal = new Calibration();
    cal.recordLinkProbe({ fromId: 'a', toId: 'b', ...r });
    expect(cal.planLinks()).toEqual([{ fromId: 'a', toId: 'b', latencyMs: r.latencyMs, bandwidthBytesPerSecond: r.bandwidthBytesPerSecond }]);
  });

  it('fails with a clear error when nobody answers', async () => {
    const [a] = simPair(1, 1e6);
    const probing = runLinkProbe(a, { now: () => Date.now(), timeoutMs: 500 });
    const assertion = expect(probing).rejects.toThrow(LinkProbeError);
    await vi.advanceTimersByTimeAsync(1_000);
    await assertion;
    await expect(probing).rejects.toThrow(/link probe to b timed out after 500 ms waiting for pong 1/);
  });

  it('rejects bad options', async () => {
    const [a] = simPair(1, 1e6);
    await expect(runLinkProbe(a, { pings: 0 })).rejects.toThrow(/pings must be a whole number >= 1, got 0/);
    await expect(runLinkProbe(a, { bulkBytes: [4] })).rejects.toThrow(/bulkBytes must be whole numbers >= 8, got \[4\]/);
  });
});

describe('linkFigures (the pure part)', () => {
  it('latency = median RTT / 2; bandwidth from the slope between sizes; CPU per MB', () => {
    const bulks = [
      { bytes: 1e6, ms: 2 * 5 + 100 }, { bytes: 4e6, ms: 2 * 5 + 400 },
      { bytes: 1e6, ms: 2 * 5 + 100 }, { bytes: 4e6, ms: 2 * 5 + 400 },
    ];
    const f = linkFigures([10, 12, 9, 10, 40], bulks, { senderMs: 20, receiverMs: 30, bytes: 10e6 });
    expect(f.latencyMs).toBe(5);
    expect(f.bandwidthFrom).toBe('slope');
    expect(f.bandwidthBytesPerSecond).toBeCloseTo(10e6, 0);
    expect(f.senderCpuMsPerMegabyte).toBe(2);
    expect(f.receiverCpuMsPerMegabyte).toBe(3);
  });

  it('falls back to the largest transfer minus two latencies when the slope is not positive', () => {
    const f = linkFigures([10], [{ bytes: 1e6, ms: 110 }], { senderMs: 0, receiverMs: 0, bytes: 1e6 });
    expect(f.bandwidthFrom).toBe('largest');
    expect(f.bandwidthBytesPerSecond).toBeCloseTo(1e7, 0);
    expect(() => linkFigures([], [{ bytes: 1, ms: 1 }], { senderMs: 0, receiverMs: 0, bytes: 1 })).toThrow(/no round trip/);
    expect(() => linkFigures([1], [{ bytes: 1, ms: 0 }], { senderMs: 0, receiverMs: 0, bytes: 1 })).toThrow(/bulk of 1 bytes in 0 ms is not positive/);
  });

  it('tells probe payloads from control JSON and tensor frames', () => {
    expect(isProbePayload('{"kind":"link-probe","op":"ping","seq":1}')).toBe(true);
    expect(isProbePayload('{"kind":"heartbeat"}')).toBe(false);
    const probe = new Uint8Array(16);
    probe.set(PROBE_MAGIC);
    expect(isProbePayload(probe.buffer)).toBe(true);
    expect(isProbePayload(new Uint8Array(16).buffer)).toBe(false);
  });
});
