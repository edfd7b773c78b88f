import { describe, expect, it } from 'vitest';
import { sampleCpuShare, waitForCpu } from '../../../src/cost/cpu-share';

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
  });
});
