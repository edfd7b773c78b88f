/**
 * The coordinator's link probes (src/swarm/link-prober.ts) over the in-memory network: every ready
 * node's link is measured once, one at a time, never while busy; the figures become planner links
 * (coordinator links measured, node-to-node links estimated from them) and a run plans with them;
 * probe traffic is never counted as a refused message on either side; implausible answers are
 * refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProber, probeProblem } from '../../src/swarm/link-prober';
import type { LinkProbeResult } from '../../src/cost/link-probe';
import { startSwarm, waitFor } from '../helpers/swarm-harness';

const FR = (name: string) => ({ name, flopsPerSecond: 1e9, zone: 'FR' });

let stopSwarm: (() => Promise<void>) | undefined;
let prober: LinkProber | undefined;
afterEach(async () => {
  prober?.stop();
  prober = undefined;
  await stopSwarm?.();
  stopSwarm = undefined;
});

describe('link prober', { timeout: 60_000 }, () => {
  it('measures each ready node\'s link once and turns the figures into planner links, refusing nothing on either side', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), FR('c')], network: { faults: { delayMs: 3 } } });
    stopSwarm = swarm.stop;
    prober = new LinkProber(swarm.coordinator);
    prober.start();
    const ids = swarm.nodes.map((n) => n.peerId);
    await waitFor(() => ids.every((id) => prober!.linkOf(id)), 30_000);
    for (const id of ids) {
      const link = prober.linkOf(id)!;
      expect(probeProblem(link)).toBeUndefined();
      // 3 ms each way on this network: the median round trip halves to about that.
      expect(link.latencyMs).toBeGreaterThanOrEqual(2.5);
      expect(link.latencyMs).toBeLessThan(50);
      expect(link.bandwidthBytesPerSecond).toBeGreaterThan(0);
    }
    const links = prober.planLinks(ids);
    expect(links.filter((l) => l.fromId === 'coordinator').map((l) => l.toId)).toEqual(ids);
    const between = links.filter((l) => l.fromId !== 'coordinator');
    expect(between).toHaveLength(3);
    for (const l of between) {
      const [a, b] = [prober.linkOf(l.fromId)!, prober.linkOf(l.toId)!];
      expect(l.bandwidthBytesPerSecond).toBe(Math.min(a.bandwidthBytesPerSecond, b.bandwidthBytesPerSecond));
      expect(l.latencyMs).toBe(Math.max(a.latencyMs, b.latencyMs));
    }
    expect(prober.transferCpuMsPerByte(ids)).toBeGreaterThanOrEqual(0);
    expect(prober.planLinks([])).toEqual([]);
    expect(prober.transferCpuMsPerByte([])).toBeUndefined();
    // Probe traffic is routed to the probe on both ends, never refused as a bad message.
    expect(swarm.coordinator.droppedMessages).toBe(0);
    for (const n of swarm.nodes) expect(n.node.droppedMessages).toBe(0);
    expect(prober.failed + prober.refused).toBe(0);
  });

  it('waits while busy, probes one node at a time, and refuses implausible figures', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b')] });
    stopSwarm = swarm.stop;
    let busy = true;
    let running = 0;
    let most = 0;
    const answers: LinkProbeResult[] = [
      { latencyMs: 1, bandwidthBytesPerSecond: 1e300, senderCpuMsPerMegabyte: 1, receiverCpuMsPerMegabyte: 1, rttsMs: [2], bulks: [], bandwidthFrom: 'slope' },
      { latencyMs: 1, bandwidthBytesPerSecond: 5e6, senderCpuMsPerMegabyte: 4, receiverCpuMsPerMegabyte: 6, rttsMs: [2], bulks: [], bandwidthFrom: 'slope' },
    ];
    prober = new LinkProber(swarm.coordinator, {
      busy: () => busy,
      retryMs: 20,
      run: async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return answers.shift()!;
      },
    });
    prober.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(answers).toHaveLength(2); // nothing probed while busy
    busy = false;
    await waitFor(() => answers.length === 0 && prober!.refused + prober!.planLinks(swarm.nodes.map((n) => n.peerId)).length >= 2, 5000);
    expect(most).toBe(1);
    expect(prober.refused).toBe(1);
    expect(prober.lastProblem).toMatch(/refused its link probe \(bandwidth 1e\+300 B\/s is outside 1000\.\.100000000000 B\/s\)$/);
    const ids = swarm.nodes.map((n) => n.peerId);
    const kept = ids.filter((id) => prober!.linkOf(id));
    expect(kept).toHaveLength(1);
    expect(prober.transferCpuMsPerByte(ids)).toBeCloseTo(5e-6, 12);
  });

  it('probes every node again on reprobe, replacing the first figures; a refused node stays refused', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), FR('c')] });
    stopSwarm = swarm.stop;
    const ids = swarm.nodes.map((n) => n.peerId);
    let bandwidth = 2e6;
    const asked: string[] = [];
    prober = new LinkProber(swarm.coordinator, {
      run: async (link) => {
        asked.push(link.remotePeerId);
        // c answers implausibly: refused, never asked again.
        const b = link.remotePeerId === ids[2] ? 1e300 : bandwidth;
        return { latencyMs: 1, bandwidthBytesPerSecond: b, senderCpuMsPerMegabyte: 4, receiverCpuMsPerMegabyte: 6, rttsMs: [2], bulks: [], bandwidthFrom: 'slope' };
      },
    });
    prober.start();
    expect(prober.hostTransferCpuMsPerByte()).toBeUndefined(); // nothing probed yet
    await waitFor(() => prober!.has(ids[0]!) && prober!.has(ids[1]!) && prober!.refused === 1, 5000);
    expect(asked).toHaveLength(3);
    // The harness's nodes are simulated (the coordinator's machine): moving a byte between them
    // costs that machine at least one core for 1 / bandwidth (the refused node counts for nothing).
    expect(prober.hostTransferCpuMsPerByte()).toBeCloseTo(1000 / 2e6, 15);
    bandwidth = 9e6;
    prober.reprobe();
    expect(prober.has(ids[0]!)).toBe(false);
    await waitFor(() => prober!.has(ids[0]!) && prober!.has(ids[1]!), 5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toHaveLength(5);
    expect(prober.linkOf(ids[0]!)!.bandwidthBytesPerSecond).toBe(9e6);
    expect(prober.linkOf(ids[1]!)!.bandwidthBytesPerSecond).toBe(9e6);
    expect(prober.has(ids[2]!)).toBe(false);
    expect(prober.hostTransferCpuMsPerByte()).toBeCloseTo(1000 / 9e6, 15);
  });

  it('estimates no machine transfer cost for nodes of machines other than the coordinator\'s', async () => {
    const records = [
      { nodeId: 'p1', name: 'p1', state: 'ready', simulated: false, machine: 'a1b2/4/laptop' },
      { nodeId: 'p2', name: 'p2', state: 'ready', simulated: false },
      { nodeId: 'p3', name: 'p3', state: 'ready', simulated: false, machine: 'coordinator' },
    ];
    const stub = { nodes: () => records, onChange: () => () => undefined, linkOf: (id: string) => ({ remotePeerId: id }) } as unknown as ConstructorParameters<typeof LinkProber>[0];
    prober = new LinkProber(stub, { run: async () => ({ latencyMs: 1, bandwidthBytesPerSecond: 4e6, senderCpuMsPerMegabyte: 4, receiverCpuMsPerMegabyte: 6, rttsMs: [2], bulks: [], bandwidthFrom: 'slope' }) });
    prober.start();
    await waitFor(() => ['p1', 'p2', 'p3'].every((id) => prober!.has(id)), 5000);
    expect(prober.hostTransferCpuMsPerByte()).toBeCloseTo(1000 / 4e6, 15); // p3 only: on the coordinator's machine
    records.pop();
    expect(prober.hostTransferCpuMsPerByte()).toBeUndefined();
  });

  it('measures pending links now when a run asks, busy or not, and gives up on what it cannot finish in time', async () => {
    const records = [
      { nodeId: 'p1', name: 'p1', state: 'ready', simulated: false },
      { nodeId: 'p2', name: 'p2', state: 'ready', simulated: false },
      { nodeId: 'p3', name: 'p3', state: 'benchmarking', simulated: false },
    ];
    const stub = { nodes: () => records, onChange: () => () => undefined, linkOf: (id: string) => ({ remotePeerId: id }) } as unknown as ConstructorParameters<typeof LinkProber>[0];
    const asked: string[] = [];
    let hang = false;
    prober = new LinkProber(stub, {
      busy: () => true, // the room never quiet: the prober alone would wait forever
      retryMs: 20,
      run: async (link) => {
        asked.push((link as unknown as { remotePeerId: string }).remotePeerId);
        if (hang) await new Promise(() => undefined);
        return { latencyMs: 1, bandwidthBytesPerSecond: 4e6, senderCpuMsPerMegabyte: 4, receiverCpuMsPerMegabyte: 6, rttsMs: [2], bulks: [], bandwidthFrom: 'slope' };
      },
    });
    prober.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toEqual([]);
    await expect(prober.measurePending(5000)).resolves.toEqual([]);
    expect(asked).toEqual(['p1', 'p2']); // ready nodes only, one probe each
    expect(prober.has('p1') && prober.has('p2')).toBe(true);
    // A node whose probe never ends: the run goes on after the wait, told which link is unmeasured.
    records[2]!.state = 'ready';
    hang = true;
    const t0 = performance.now();
    await expect(prober.measurePending(300)).resolves.toEqual(['p3']);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  describe('times what moving bytes costs the coordinator\'s machine, from its CPU time', () => {
    /** A machine on a virtual clock: `rest` cores busy at rest, `perMb` ms of CPU per MB moved. */
    function machine(rest: number, perMb: number, onSleep?: (sleeps: number) => number) {
      let t = 0;
      let sleeps = 0;
      let busy = 1000;
      let reads = 0;
      const pass = (ms: number, extraBusy = 0) => {
        t += ms;
        busy += rest * ms + extraBusy;
      };
      return {
        get reads() {
          return reads;
        },
        now: () => t,
        sleep: async (ms: number) => {
          pass(ms);
          if (onSleep) rest = onSleep(++sleeps);
        },
        machineCpu: async () => {
          reads++;
          return { busyMs: busy, totalMs: 2 * t + 1e6, cores: 2 };
        },
        // Every probe and timed move: bulks of the asked size at 10 MB/s, costing perMb per MB.
        run: async (_link: unknown, o: { bulkBytes?: readonly number[]; rounds?: number }) => {
          const bulks = (o.bulkBytes ?? [65536]).flatMap((bytes) => Array.from({ length: o.rounds ?? 1 }, () => ({ bytes, ms: bytes / 1e4 })));
          for (const b of bulks) pass(b.ms, (perMb * b.bytes) / 1e6);
          return { latencyMs: 1, bandwidthBytesPerSecond: 10e6, senderCpuMsPerMegabyte: 4, receiverCpuMsPerMegabyte: 6, rttsMs: [2], bulks, bandwidthFrom: 'slope' as const };
        },
      };
    }
    const stubOf = (records: object[]) => ({ nodes: () => records, onChange: () => () => undefined, linkOf: (id: string) => ({ remotePeerId: id }) }) as unknown as ConstructorParameters<typeof LinkProber>[0];
    const records = () => [
      { nodeId: 'p1', name: 'p1', state: 'ready', simulated: false, machine: 'a1b2/4/laptop' },
      { nodeId: 'p3', name: 'p3', state: 'ready', simulated: false, machine: 'coordinator' },
      { nodeId: 'p4', name: 'p4', state: 'ready', simulated: false, machine: 'coordinator' },
    ];

    it('for nodes on that machine only, from its busy time less its load at rest', async () => {
      const m = machine(0.1, 120);
      prober = new LinkProber(stubOf(records()), { ...m, hostTimingBytes: 2 * 1024 * 1024 });
      expect(prober.hostTransferCpuMsPerByte()).toBeUndefined(); // nothing probed yet
      prober.start();
      await waitFor(() => ['p1', 'p3', 'p4'].every((id) => prober!.has(id)), 5000);
      expect(prober.linkOf('p1')!.hostCpuMsPerMegabyte).toBeUndefined(); // another machine
      expect(prober.linkOf('p3')!.hostCpuMsPerMegabyte).toBeCloseTo(120, 6);
      expect(prober.linkOf('p4')!.hostCpuMsPerMegabyte).toBeCloseTo(120, 6);
      expect(m.reads).toBe(6); // 3 reads for each of p3 and p4: before the rest, after it, after the move
      expect(prober.hostTransferCpuMsPerByte()).toBeCloseTo(120e-6, 12); // not 1000 / 10e6 = 100e-6, the bandwidth's bound
    });

    it('not while the machine is busy: the bandwidth estimate stays, and the page is told why', async () => {
      const m = machine(0.8, 120);
      prober = new LinkProber(stubOf(records()), m);
      prober.start();
      await waitFor(() => ['p1', 'p3', 'p4'].every((id) => prober!.has(id)), 5000);
      expect(prober.linkOf('p3')!.hostCpuMsPerMegabyte).toBeUndefined();
      expect(prober.lastProblem).toMatch(/^p4: the machine was busy \(0\.80 cores\) before timing/);
      expect(prober.hostTransferCpuMsPerByte()).toBeCloseTo(1000 / 10e6, 15);
    });

    it('waiting a few windows for the machine to be quiet enough', async () => {
      // Busy (0.8 cores) over the first two rest windows, quiet (0.1) from the third on.
      const m = machine(0.8, 120, (sleeps) => (sleeps >= 2 ? 0.1 : 0.8));
      prober = new LinkProber(stubOf(records().slice(0, 2)), m);
      prober.start();
      await waitFor(() => ['p1', 'p3'].every((id) => prober!.has(id)), 5000);
      expect(prober.linkOf('p3')!.hostCpuMsPerMegabyte).toBeCloseTo(120, 6);
      expect(m.reads).toBe(5); // before, after each of 3 windows, after the move
    });

    it('turned off at the first refusal to read the CPU time, which the page is told', async () => {
      let reads = 0;
      const m = machine(0.1, 120);
      prober = new LinkProber(stubOf(records()), {
        ...m,
        machineCpu: async () => {
          reads++;
          throw new Error("GET /api/machine-cpu answered 403: only a page on the server's machine may read its CPU time");
        },
      });
      prober.start();
      await waitFor(() => ['p1', 'p3', 'p4'].every((id) => prober!.has(id)), 5000);
      expect(reads).toBe(1);
      expect(prober.machineCpuProblem).toMatch(/403: only a page on the server's machine/);
      expect(prober.hostTransferCpuMsPerByte()).toBeCloseTo(1000 / 10e6, 15);
    });
  });
});
