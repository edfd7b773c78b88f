import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoreSampler, helperSource, sampleCpuShare, waitForCpu } from '../../../src/cost/cpu-share';

/** A clock that advances `step` ms per read and jumps `gap` ms after every `every` reads (descheduled). */
function jumpyClock(step: number, every: number, gap: number): () => number {
  let t = 0, reads = 0;
  return () => {
    reads++;
    t += step + (every > 0 && reads % every === 0 ? gap : 0);
    return t;
  };
}

describe('sampleCpuShare', () => {
  it('counts clock jumps longer than gapMs as time the thread did not run', () => {
    // 10 ms of running (200 reads of 0.05 ms), then a 4 ms gap: 10 / 14 of the time.
    const share = sampleCpuShare(1000, 1, jumpyClock(0.05, 200, 4));
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.73);
  });

  it('reads a coarse clock that never jumps (0.1 ms steps, as in a page that is not isolated) as a whole core', () => {
    let reads = 0;
    const coarse = () => Math.floor(reads++ / 40) * 0.1;
    expect(sampleCpuShare(100, 1, coarse)).toBe(1);
  });

  it('rejects a window or gap that is not positive', () => {
    expect(() => sampleCpuShare(0)).toThrow(/windowMs and gapMs must be > 0/);
    expect(() => sampleCpuShare(100, -1)).toThrow(/windowMs and gapMs must be > 0/);
  });
});

describe('waitForCpu', () => {
  it('waits, resting between samples, until the share holds for the asked windows in a row', async () => {
    const shares = [0.5, 0.9, 0.6, 0.9, 0.95, 0.2];
    let t = 0;
    const rests: number[] = [];
    const r = await waitForCpu({ sample: () => { t += 100; return shares.shift()!; }, now: () => t, sleep: async (ms) => { rests.push(ms); t += ms; }, windows: 2, minShare: 0.85 });
    expect(r).toEqual({ free: true, share: 0.95, waitedMs: 1300 });
    expect(rests).toEqual([200, 200, 200, 200]);
  });

  it('gives up after maxWaitMs and says what share it last saw', async () => {
    let t = 0;
    const r = await waitForCpu({ sample: () => { t += 100; return 0.55; }, now: () => t, sleep: async (ms) => { t += ms; }, maxWaitMs: 1000 });
    expect(r.free).toBe(false);
    expect(r.share).toBe(0.55);
    expect(r.waitedMs).toBe(1000);
  });

  it('rejects bad options', async () => {
    await expect(waitForCpu({ minShare: 0 })).rejects.toThrow(/minShare must be in \(0, 1\]/);
    await expect(waitForCpu({ windows: 1.5 })).rejects.toThrow(/windows must be a whole number/);
    await expect(waitForCpu({ maxWaitMs: -1 })).rejects.toThrow(/maxWaitMs must be >= 0/);
    await expect(waitForCpu({ restMs: Number.NaN })).rejects.toThrow(/restMs must be >= 0/);
    await expect(waitForCpu({ threads: 0 })).rejects.toThrow(/threads must be a whole number >= 1, got 0/);
  });
});

/**
 * A stand-in for a browser's `Worker` that runs {@link helperSource} in its own scope on this
 * thread: the script's own code answers, with this process's clock. `silent` helpers never answer
 * (a helper that never got a core).
 */
class ScriptWorker {
  static made: ScriptWorker[] = [];
  static silent = 0;
  /** Answer only the first message, this late (ms); then never again. */
  static lateOnce: number | undefined;
  /** 'throw': the constructor throws (creation not allowed); 'error': the script fails to load. */
  static fail: 'throw' | 'error' | undefined;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  terminated = false;
  private readonly handler: (e: { data: unknown }) => void;
  private readonly quiet: boolean;

  constructor(readonly url: string) {
    if (ScriptWorker.fail === 'throw') throw new DOMException('not allowed', 'SecurityError');
    if (ScriptWorker.fail === 'error') setTimeout(() => this.onerror?.(new Event('error')), 0);
    this.quiet = ScriptWorker.fail === 'error' || ScriptWorker.made.filter((w) => w.quiet).length < ScriptWorker.silent;
    const late = ScriptWorker.lateOnce;
    let answered = 0;
    const reply = (data: unknown) => {
      if (late !== undefined && answered++ > 0) return;
      setTimeout(() => this.onmessage?.({ data } as MessageEvent), late ?? 0);
    };
    this.handler = new Function('postMessage', 'performance', `let onmessage;\n${helperSource()}\nreturn onmessage;`)(reply, performance) as (e: { data: unknown }) => void;
    ScriptWorker.made.push(this);
  }

  postMessage(data: unknown): void {
    if (!this.quiet && !this.terminated) this.handler({ data });
  }

  terminate(): void {
    this.terminated = true;
  }
}

describe('CoreSampler', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    ScriptWorker.made = [];
    ScriptWorker.silent = 0;
    ScriptWorker.lateOnce = undefined;
    ScriptWorker.fail = undefined;
  });

  it('where there is no Worker (Node), samples this thread alone and says so', async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe('undefined');
    const sampler = new CoreSampler(2, 20);
    expect(sampler.sampledThreads).toBe(1);
    const share = await sampler.sample();
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThanOrEqual(1);
    sampler.close();
  });

  it('spins n - 1 helpers running the helper script, and a sample is the least share of all threads', async () => {
    vi.stubGlobal('Worker', ScriptWorker);
    const sampler = new CoreSampler(3, 20);
    expect(sampler.sampledThreads).toBe(3);
    expect(ScriptWorker.made).toHaveLength(2);
    expect(ScriptWorker.made[0]!.url).toMatch(/^blob:/);
    const share = await sampler.sample();
    // The helpers ran the script's own spin (on this thread, one after the other): real shares.
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThanOrEqual(1);
    sampler.close();
    expect(ScriptWorker.made.every((w) => w.terminated)).toBe(true);
  });

  it('counts a helper that does not answer in time as a thread with no core (share 0)', async () => {
    vi.stubGlobal('Worker', ScriptWorker);
    ScriptWorker.silent = 1;
    const sampler = new CoreSampler(2, 10, 1, 50);
    expect(await sampler.sample()).toBe(0);
    sampler.close();
  });

  it('does not take a helper\'s late answer for the next sample\'s', async () => {
    vi.stubGlobal('Worker', ScriptWorker);
    // The helper answers the first sample after 150 ms (past the 100 ms reply limit), so while the
    // second sample waits, and never again: the second must time out (0), not take the first one's
    // answer (a real share > 0).
    ScriptWorker.lateOnce = 150;
    const sampler = new CoreSampler(2, 5, 1, 100);
    expect(await sampler.sample()).toBe(0);
    expect(await sampler.sample()).toBe(0);
    sampler.close();
  });

  it('a helper that cannot be made or fails to load is not checked, and the result says fewer threads', async () => {
    vi.stubGlobal('Worker', ScriptWorker);
    ScriptWorker.fail = 'throw';
    const none = new CoreSampler(3, 5);
    expect(none.sampledThreads).toBe(1);
    none.close();
    // A helper whose script fails (the error event comes after creation) is dropped, not read as 0.
    ScriptWorker.fail = 'error';
    const r = await waitForCpu({ threads: 2, restMs: 10, maxWaitMs: 2000, minShare: 0.01 });
    expect(r.threads).toBe(1);
    expect(r.free).toBe(true);
    expect(r.share).toBeGreaterThan(0);
    expect(ScriptWorker.made.every((w) => w.terminated)).toBe(true);
  });

  it('waitForCpu with threads: 2 checks both at once, and a silent helper keeps it waiting until maxWaitMs', async () => {
    vi.stubGlobal('Worker', ScriptWorker);
    ScriptWorker.silent = 1;
    const r = await waitForCpu({ threads: 2, maxWaitMs: 100, restMs: 10 });
    expect(r.free).toBe(false);
    expect(r.share).toBe(0);
    expect(r.threads).toBe(2);
    expect(ScriptWorker.made.every((w) => w.terminated)).toBe(true);
  });

  it('rejects a thread count that is not a whole number >= 1', () => {
    expect(() => new CoreSampler(0)).toThrow(/threads must be a whole number >= 1, got 0/);
    expect(() => new CoreSampler(1.5)).toThrow(/threads must be a whole number >= 1, got 1.5/);
  });
});
