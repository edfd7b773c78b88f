/**
 * The run loop (src/swarm/run-session.ts + RunController) under Node over the in-memory network,
 * with real onnxruntime-web slices: losing a node with no spare re-plans on fewer slices; losing
 * every node pauses until one joins; a reloaded coordinator gets its nodes back without them
 * benchmarking again; Stop cancels in any phase; a node that never answers its deploy is planned
 * around within seconds; a slice that always throws, or a node reporting failures of requests it
 * was never given, leaves no request hanging. Every request ends exactly once in each case.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors, type ModelProfile } from '../../src/graph/index';
import { wholeModelOutputs } from '../helpers/tiny-model';
import type { TensorData } from '../../src/runtime/tensor';
import type { RequestOutcome, RunEvent } from '../../src/swarm/run-controller';
import { startRunSession, type RunSettings } from '../../src/swarm/run-session';
import type { SliceRuntime } from '../../src/swarm/node-executor';
import { ConnectTimeoutError, type Transport } from '../../src/mesh/transport';
import { startSwarm, waitFor } from '../helpers/swarm-harness';

let profile: ModelProfile;
const expected: Record<string, TensorData>[] = [];
const N = 30;
const SEED = 1;

beforeAll(async () => {
  const whole = await wholeModelOutputs('tinycnn', N, SEED);
  profile = whole.profile;
  expected.push(...whole.expected);
});

let stopSwarm: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopSwarm?.();
  stopSwarm = undefined;
});

const settings = (over: Partial<RunSettings> = {}): RunSettings => ({ model: 'tinycnn', mode: 'balanced', stages: 3, inferences: N, ratePerSecond: 0, seed: SEED, ...over });
const FR = (name: string, flops = 1e9) => ({ name, flopsPerSecond: flops, zone: 'FR' });

/** Every request ended once, in order of ids, and every ok result equals the whole model's. */
function checkAllOk(outcomes: RequestOutcome[]): void {
  expect(outcomes).toHaveLength(N);
  expect(new Set(outcomes.map((o) => o.requestId)).size).toBe(N);
  for (const [i, o] of outcomes.entries()) {
    if (!o.ok) throw new Error(`request ${o.requestId} failed: ${o.reason}`);
    for (const [name, want] of Object.entries(expected[i]!)) expect(compareTensors(want, o.outputs[name]!).ok).toBe(true);
  }
}

/** A runtime that waits before each run, so a test can act mid-run. */
const slowed = (ms: number) => (runtime: SliceRuntime): SliceRuntime => ({
  ...runtime,
  load: runtime.load.bind(runtime),
  unload: runtime.unload.bind(runtime),
  run: async (id, feeds) => {
    await new Promise((r) => setTimeout(r, ms));
    return runtime.run(id, feeds);
  },
});

describe('run loop liveness', { timeout: 120_000 }, () => {
  it('3 slices on 3 nodes, one node lost with no spare: re-plans on 2 slices and every inference ends ok', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), FR('c')].map((n) => ({ ...n, wrapRuntime: slowed(5) })) });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    const session = startRunSession(swarm.coordinator, profile, settings(), (e) => events.push(e));
    await session.started;
    await waitFor(() => session.controller.stats.completed >= 5, 30_000);
    const victim = session.controller.placement!.pipelines[0]!.slices[1]!.nodeId;
    swarm.network.disconnect(victim);
    const outcomes = await session.done;
    checkAllOk(outcomes);
    const deployed = events.filter((e) => e.kind === 'deployed');
    expect(deployed.length).toBeGreaterThanOrEqual(2);
    const last = deployed.at(-1)!;
    expect(last.kind === 'deployed' && last.placement.pipelines[0]!.slices.length).toBe(2);
    expect(last.kind === 'deployed' && last.note).toBe('3 slices asked, 2 node(s) left: running 2 slices');
    expect(session.controller.placement!.pipelines[0]!.slices.map((s) => s.nodeId)).not.toContain(victim);
    expect(events.some((e) => e.kind === 'replanning' && e.reason === 'lost b')).toBe(victim === 'node-b');
    session.controller.stop('test over');
  });

  it('losing the only node pauses the run; a node that joins resumes it and nothing is lost', async () => {
    const swarm = await startSwarm({ nodes: [{ ...FR('solo'), wrapRuntime: slowed(5) }] });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 1 }), (e) => events.push(e), { pauseTimeoutMs: 60_000 });
    await session.started;
    await waitFor(() => session.controller.stats.completed >= 3, 30_000);
    swarm.network.disconnect('node-solo');
    await waitFor(() => session.controller.phase === 'paused', 15_000);
    const paused = events.find((e) => e.kind === 'paused');
    expect(paused && paused.kind === 'paused' && paused.reason).toBe('no node left to run on');
    await swarm.addNode(FR('late'));
    checkAllOk(await session.done);
    expect(session.controller.placement!.pipelines[0]!.slices[0]!.nodeId).toBe('node-late');
    session.controller.stop('test over');
  });

  it('a reloaded coordinator gets every node back, ready, without benchmarking again', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), FR('c')] });
    stopSwarm = swarm.stop;
    expect([...swarm.benchmarkRuns.values()]).toEqual([1, 1, 1]);
    const states: string[] = [];
    swarm.nodes[0]!.node.onChange(() => states.push(swarm.nodes[0]!.node.state));
    const fresh = swarm.restartCoordinator();
    await waitFor(() => fresh.nodes().filter((n) => n.state === 'ready' && n.profile).length === 3, 20_000);
    expect(states).toContain('rejoining');
    expect([...swarm.benchmarkRuns.values()]).toEqual([1, 1, 1]);
    expect(fresh.nodes().map((n) => n.benchmark?.backends[0]?.flopsPerSecond)).toEqual([1e9, 1e9, 1e9]);
    // And the new coordinator can run on them.
    const session = startRunSession(fresh, profile, settings(), () => {});
    checkAllOk(await session.done);
    session.controller.stop('test over');
  });

  it('Stop while deploying cancels every request; none fails, none hangs', async () => {
    // Nodes that take a while to load slices: the Stop lands during deployment.
    const slowLoad = (runtime: SliceRuntime): SliceRuntime => ({
      ...runtime,
      run: runtime.run.bind(runtime),
      unload: runtime.unload.bind(runtime),
      load: async (id, bytes, backend) => {
        await new Promise((r) => setTimeout(r, 400));
        return runtime.load(id, bytes, backend);
      },
    });
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b')].map((n) => ({ ...n, wrapRuntime: slowLoad })) });
    stopSwarm = swarm.stop;
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 2 }), () => {});
    await waitFor(() => session.controller.phase === 'deploying', 5000);
    session.controller.stop('stopped by the user');
    await session.started;
    const outcomes = await session.done;
    expect(outcomes).toHaveLength(N);
    expect(outcomes.every((o) => !o.ok && o.cancelled && o.reason === 'stopped by the user')).toBe(true);
    expect(session.controller.stats).toMatchObject({ completed: 0, failed: 0, cancelled: N });
  });

  it('a node that never answers its deploy is planned around within seconds', async () => {
    const swarm = await startSwarm({ nodes: [FR('fast', 4e9), FR('spare', 1e9)] });
    stopSwarm = swarm.stop;
    // "fast" stops listening to commands (a stalled tab): it neither asks for nor loads its slice.
    (swarm.nodes[0]!.node as unknown as { commands: { emit: () => void } }).commands.emit = () => {};
    const events: RunEvent[] = [];
    const t0 = performance.now();
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 1, mode: 'performance' }), (e) => events.push(e), { deployTimings: { ackTimeoutMs: 300 } });
    await session.started;
    const waitedMs = performance.now() - t0;
    checkAllOk(await session.done);
    expect(waitedMs).toBeLessThan(30_000);
    const failed = events.find((e) => e.kind === 'node-failed');
    expect(failed && failed.kind === 'node-failed' && `${failed.name}: ${failed.reason}`).toMatch(/^fast: slice 1 on fast: did not answer its deploy within 0.6 s$/);
    expect(session.controller.placement!.pipelines[0]!.slices[0]!.nodeId).toBe('node-spare');
    expect(session.controller.failedNodes.has('node-fast')).toBe(true);
    session.controller.stop('test over');
  });

  it('a neighbour link that fails to open at the first deployment is tried again: 3 slices still run on the only 3 nodes', async () => {
    // Every node's first link to another node times out (a busy classroom network), later ones open;
    // links to the coordinator are not touched.
    const firstConnectFails = (transport: Transport): Transport => {
      let tries = 0;
      return new Proxy(transport, {
        get(target, prop) {
          if (prop === 'connect') {
            return (peer: string, options?: { signal?: AbortSignal; timeoutMs?: number }) =>
              peer.startsWith('node-') && tries++ === 0 ? Promise.reject(new ConnectTimeoutError(`no answer from ${peer} within 15000 ms`)) : target.connect(peer, options);
          }
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    };
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), FR('c')].map((n) => ({ ...n, wrapTransport: firstConnectFails })) });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 3 }), (e) => events.push(e));
    await session.started;
    checkAllOk(await session.done);
    const retries = events.filter((e) => e.kind === 'replanning').map((e) => (e.kind === 'replanning' ? e.reason : ''));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatch(/^trying again: slice \d on [abc]: could not reach the next node: no answer from node-[abc] within 15000 ms$/);
    expect(events.filter((e) => e.kind === 'node-failed')).toEqual([]);
    expect(new Set(session.controller.placement!.pipelines[0]!.slices.map((s) => s.nodeId)).size).toBe(3);
    session.controller.stop('test over');
  });

  it('a node whose neighbour links never open is planned around at its second failure', async () => {
    const neverConnects = (transport: Transport): Transport =>
      new Proxy(transport, {
        get(target, prop) {
          if (prop === 'connect') {
            return (peer: string, options?: { signal?: AbortSignal; timeoutMs?: number }) =>
              peer.startsWith('node-') ? Promise.reject(new ConnectTimeoutError(`no answer from ${peer} within 15000 ms`)) : target.connect(peer, options);
          }
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), { ...FR('cut-off'), wrapTransport: neverConnects }] });
    stopSwarm = swarm.stop;
    const events: RunEvent[] = [];
    // Two slices: whenever "cut-off" hosts the first one it cannot reach the second.
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 2 }), (e) => events.push(e));
    await session.started;
    checkAllOk(await session.done);
    const failed = events.filter((e) => e.kind === 'node-failed');
    if (failed.length) {
      expect(failed.map((e) => (e.kind === 'node-failed' ? e.name : ''))).toEqual(['cut-off']);
      expect(events.filter((e) => e.kind === 'replanning').length).toBe(2);
    }
    expect(session.controller.placement!.pipelines[0]!.slices[0]!.nodeId).not.toBe('node-cut-off');
    session.controller.stop('test over');
  });

  it('a slice whose runtime always throws: every request still ends, none hangs', async () => {
    const broken = (runtime: SliceRuntime): SliceRuntime => ({
      ...runtime,
      load: runtime.load.bind(runtime),
      unload: runtime.unload.bind(runtime),
      run: async () => {
        throw new Error('kernel exploded');
      },
    });
    const swarm = await startSwarm({ nodes: [{ ...FR('only'), wrapRuntime: broken }] });
    stopSwarm = swarm.stop;
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 1, inferences: 10, window: 2 }), () => {}, { maxAttempts: 2 });
    const outcomes = await session.done;
    expect(outcomes).toHaveLength(10);
    expect(outcomes.every((o) => !o.ok && /gave up after 2 attempts: slice 1 on only failed: kernel exploded/.test(o.reason))).toBe(true);
    expect(session.controller.stats.failed).toBe(10);
    session.controller.stop('test over');
  });

  it('a node outside the pipeline cannot fail other nodes\' requests, whatever ids it tries', async () => {
    const swarm = await startSwarm({ nodes: [FR('worker', 4e9), FR('bystander', 1e6)] });
    stopSwarm = swarm.stop;
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 1, mode: 'performance' }), () => {});
    await session.started;
    const deployment = session.controller.currentDeployment!;
    expect(deployment.pipelines[0]!.stages[0]!.nodeId).toBe('node-worker');
    const rogue = swarm.nodes[1]!.node;
    // Sequential ids from 0 (what the old controller used) and the run's own deployment id.
    for (let id = 0; id < 2000; id++) rogue.sendToCoordinator({ kind: 'request-failed', runId: deployment.runId, requestId: id, sliceIndex: 0, reason: 'forged' });
    checkAllOk(await session.done);
    expect(session.controller.stats.failed).toBe(0);
    session.controller.stop('test over');
  });

  it('a new run right after another deploys at once (no clean-up overtakes it)', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b'), FR('c')] });
    stopSwarm = swarm.stop;
    const deployMs: number[] = [];
    for (const [mode, stages] of [['performance', 0], ['green', 0], ['balanced', 2], ['green', 3]] as const) {
      const session = startRunSession(swarm.coordinator, profile, settings({ mode, stages, inferences: 5 }), (e) => {
        if (e.kind === 'deployed') deployMs.push(e.deployMs);
      }, { deployTimings: { ackTimeoutMs: 2000 } });
      const outcomes = await session.done;
      expect(outcomes.every((o) => o.ok)).toBe(true);
      session.controller.stop('superseded by a new run');
    }
    expect(deployMs).toHaveLength(4);
    // No deployment needed a retry of its deploy message (which would take the ack timeout).
    for (const ms of deployMs) expect(ms).toBeLessThan(2000);
  });

  it('a mode changed mid-run applies to the re-plan', async () => {
    const swarm = await startSwarm({ nodes: [{ name: 'coal', flopsPerSecond: 4e9, zone: 'PL', wrapRuntime: slowed(5) }, { name: 'clean', flopsPerSecond: 1e9, zone: 'FR', wrapRuntime: slowed(5) }] });
    stopSwarm = swarm.stop;
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 0, mode: 'performance', ratePerSecond: 20 }), () => {});
    await session.started;
    expect(session.controller.placement!.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).toContain('node-coal');
    session.updateSettings({ mode: 'green' });
    session.controller.replan('the planning mode or weights changed');
    checkAllOk(await session.done);
    expect(session.controller.placement!.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).toEqual(['node-clean']);
    session.controller.stop('test over');
  });
  it('a run waits for beforeRequests after deploying, then submits every request and ends each once', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b')] });
    stopSwarm = swarm.stop;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let deployedWhenAsked: boolean | undefined;
    const session = startRunSession(swarm.coordinator, profile, settings({ stages: 2 }), () => undefined, {
      beforeRequests: async () => {
        deployedWhenAsked = session.controller.placement !== undefined;
        await gate;
      },
    });
    await session.started;
    await new Promise((r) => setTimeout(r, 300));
    expect(deployedWhenAsked).toBe(true);
    expect(session.controller.stats.submitted).toBe(0);
    release();
    checkAllOk(await session.done);
    expect(session.controller.stats.submitted).toBe(N);
    session.controller.stop('test over');
  });
});
