/**
 * submitStream, how the run loop feeds requests: inputs are made only when a request is submitted;
 * a stream holds as many outstanding as its input budget allows, never fewer than window x
 * (pipelines + 1); a paced stream keeps to the same bound; after a stop the rest end at once, each
 * exactly once, in order.
 */
import { describe, expect, it } from 'vitest';
import { STREAM_INPUT_BUDGET_BYTES, submitStream } from '../../../src/swarm/run-session';
import type { RequestOutcome } from '../../../src/swarm/run-controller';
import type { TensorData } from '../../../src/runtime/tensor';

/** A controller that holds every request until the test ends it. */
function fakeController(pipelines = 1) {
  const open = new Map<number, (o: RequestOutcome) => void>();
  const inputs: Record<string, TensorData>[] = [];
  let next = 0;
  const c = {
    phase: 'running' as 'running' | 'stopped',
    placement: { pipelines: Array.from({ length: pipelines }, () => ({})) } as never,
    maxOutstanding: 0,
    inputs,
    open,
    submit(x: Record<string, TensorData>): Promise<RequestOutcome> {
      const id = next++;
      inputs.push(x);
      if (c.phase === 'stopped') return Promise.resolve({ ok: false, requestId: id, reason: 'stopped', attempts: 0 });
      return new Promise<RequestOutcome>((resolve) => {
        open.set(id, resolve);
        c.maxOutstanding = Math.max(c.maxOutstanding, open.size);
      });
    },
    /** End the oldest open request. */
    endOne(): void {
      const [id, resolve] = [...open][0]!;
      open.delete(id);
      resolve({ ok: true, requestId: id, latencyMs: 1, totalMs: 1, attempts: 1, pipeline: 0, outputs: { y: feed(id, 1000).x! } });
    },
    stop(): void {
      c.phase = 'stopped';
      for (const [id, resolve] of open) resolve({ ok: false, requestId: id, reason: 'stopped', attempts: 1 });
      open.clear();
    },
  };
  return c;
}

const tick = () => new Promise((r) => setTimeout(r, 0));
/** Request i's inputs: `floats` float32 values, the first = i. */
const feed = (i: number, floats = 1): Record<string, TensorData> => {
  const data = new Float32Array(floats);
  data[0] = i;
  return { x: { dtype: 'float32', dims: [floats], data } as TensorData };
};
/** 1 KiB inputs. */
const kib = (i: number) => feed(i, 256);

describe('submitStream', () => {
  it('makes each input only when it submits it: window x (pipelines + 1) outstanding when the budget holds fewer', async () => {
    const c = fakeController(2);
    const made: number[] = [];
    const s = submitStream(c, 20, (i) => (made.push(i), kib(i)), { window: 3, inputBudgetBytes: 4 * 1024 });
    await tick();
    expect(made).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    c.endOne();
    c.endOne();
    await tick();
    expect(made).toHaveLength(11);
    while (c.open.size) {
      c.endOne();
      await tick();
    }
    await s.submitted;
    const outcomes = await s.outcomes;
    expect(outcomes.map((o) => o.requestId)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(c.maxOutstanding).toBe(9);
    expect(c.inputs.map((x) => (x.x!.data as Float32Array)[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps every outcome\'s outputs for the end, or with keepOutputs false only ids and status: a long run holds no outputs', async () => {
    for (const keepOutputs of [undefined, false] as const) {
      const c = fakeController(1);
      const seen: RequestOutcome[] = [];
      const submit = c.submit;
      c.submit = (x) => submit(x).then((o) => (seen.push(o), o)); // what a caller of the controller receives
      const s = submitStream(c, 6, (i) => feed(i), { window: 2, ...(keepOutputs === false ? { keepOutputs } : {}) });
      await tick();
      while (c.open.size || seen.length < 6) {
        if (c.open.size) c.endOne();
        await tick();
      }
      const outcomes = await s.outcomes;
      expect(outcomes.map((o) => [o.requestId, o.ok, o.ok && o.latencyMs])).toEqual(seen.map((o) => [o.requestId, true, 1]));
      expect(seen.every((o) => o.ok && (o.outputs.y!.data as Float32Array).length === 1000)).toBe(true);
      expect(outcomes.map((o) => (o.ok ? Object.keys(o.outputs) : null))).toEqual(Array(6).fill(keepOutputs === false ? [] : ['y']));
    }
  });

  it('after a stop the rest are submitted without inputs and end at once: every request ends exactly once', async () => {
    const c = fakeController(1);
    const made: number[] = [];
    const s = submitStream(c, 50, (i) => (made.push(i), kib(i)), { window: 2, inputBudgetBytes: 1024 });
    await tick();
    c.endOne();
    await tick();
    expect(made).toEqual([0, 1, 2, 3, 4]);
    c.stop();
    const outcomes = await s.outcomes;
    expect(outcomes).toHaveLength(50);
    expect(new Set(outcomes.map((o) => o.requestId)).size).toBe(50);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.slice(1).every((o) => !o.ok && o.reason === 'stopped')).toBe(true);
    expect(made).toHaveLength(5);
    expect(c.inputs.slice(5).every((x) => Object.keys(x).length === 0)).toBe(true);
  });

  it('holds as many outstanding as the budget allows: a run that fits makes every input at the start', async () => {
    const c = fakeController(1);
    const sentBeforeMaking: number[] = [];
    const small = submitStream(c, 60, (i) => (sentBeforeMaking.push(c.inputs.length), kib(i)), { window: 3, inputBudgetBytes: 100 * 1024 });
    await tick();
    expect(c.inputs).toHaveLength(60);
    // All 60 made before the first was sent: making inputs never overlaps the first request.
    expect(sentBeforeMaking).toEqual(Array(60).fill(0));
    while (c.open.size) c.endOne();
    expect(await small.outcomes).toHaveLength(60);
    // MobileNetV2's 602,112-byte input: 111 in the default budget.
    const d = fakeController(1);
    const big = submitStream(d, 500, (i) => feed(i, 150_528), { window: 3 });
    await tick();
    expect(d.inputs).toHaveLength(Math.floor(STREAM_INPUT_BUDGET_BYTES / 602_112));
    expect(d.inputs).toHaveLength(111);
    d.stop();
    expect(await big.outcomes).toHaveLength(500);
  });

  it('a paced stream keeps to the same bound while the swarm falls behind', async () => {
    const c = fakeController(1);
    const s = submitStream(c, 12, kib, { window: 2, ratePerSecond: 1000, inputBudgetBytes: 8 * 1024 });
    for (let waited = 0; c.open.size < 8 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    expect(c.open.size).toBe(8);
    expect(c.inputs).toHaveLength(8);
    c.endOne();
    for (let waited = 0; c.inputs.length < 9 && waited < 1000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    expect(c.inputs).toHaveLength(9);
    c.stop();
    expect(await s.outcomes).toHaveLength(12);
  });
});
