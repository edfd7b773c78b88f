import { describe, expect, it } from 'vitest';
import { machineCpuTimes, waitForQuiet, type CpuTimes } from '../../../src/lab/quiet';

/** A fake machine of `cores` cores whose busy cores per 1-s window follow `busy` (the last repeats). */
function machine(cores: number, busy: readonly number[]) {
  let t: CpuTimes = { busyMs: 0, totalMs: 0, cores };
  let window = 0;
  const slept: number[] = [];
  return {
    slept,
    sample: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      const b = busy[Math.min(window++, busy.length - 1)]!;
      t = { busyMs: t.busyMs + b * ms, totalMs: t.totalMs + cores * ms, cores };
    },
  };
}

describe('waitForQuiet', () => {
  it('returns after the first window when the machine is idle', async () => {
    const m = machine(2, [0.05]);
    const r = await waitForQuiet({ sample: m.sample, sleep: m.sleep });
    expect(r).toEqual({ quiet: true, waitedMs: 1000, busyCores: expect.closeTo(0.05, 6) });
    expect(m.slept).toEqual([1000]);
  });

  it('waits while a page is still busy after its report, and returns once the machine is idle', async () => {
    // A page at 1.8, then 0.9 and 0.4 cores as it settles, then idle.
    const m = machine(2, [1.8, 0.9, 0.4, 0.1]);
    const r = await waitForQuiet({ sample: m.sample, sleep: m.sleep });
    expect(r.quiet).toBe(true);
    expect(r.waitedMs).toBe(4000);
    expect(r.busyCores).toBeCloseTo(0.1, 6);
  });

  it('gives up after the time bound with how busy the machine was, without throwing', async () => {
    const m = machine(4, [2.5]);
    const r = await waitForQuiet({ sample: m.sample, sleep: m.sleep, timeoutMs: 5000 });
    expect(r).toEqual({ quiet: false, waitedMs: 5000, busyCores: expect.closeTo(2.5, 6) });
    expect(m.slept).toHaveLength(5);
  });

  it('takes its threshold and window from the options', async () => {
    const m = machine(2, [0.4, 0.3]);
    const r = await waitForQuiet({ sample: m.sample, sleep: m.sleep, maxBusyCores: 0.35, windowMs: 200 });
    expect(r).toEqual({ quiet: true, waitedMs: 400, busyCores: expect.closeTo(0.3, 6) });
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const m = machine(2, [1.5]);
    const r = await waitForQuiet({ sample: m.sample, sleep: async (ms) => { await m.sleep(ms); controller.abort(); }, signal: controller.signal });
    expect(r.quiet).toBe(false);
    expect(r.waitedMs).toBe(1000);
  });

  it('reads this machine: busy time within total, and the core count', () => {
    const t = machineCpuTimes();
    expect(t.cores).toBeGreaterThan(0);
    expect(t.busyMs).toBeGreaterThan(0);
    expect(t.busyMs).toBeLessThan(t.totalMs);
  });
});
