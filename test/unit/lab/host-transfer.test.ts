import { describe, expect, it } from 'vitest';
import { measureHostTransfer, transferCpuPerByte } from '../../../src/lab/host-transfer';
import type { CpuTimes } from '../../../src/lab/quiet';

const at = (busyMs: number): CpuTimes => ({ busyMs, totalMs: 0, cores: 2 });

describe('what moving a byte costs the machine', () => {
  it('is the busy time during the transfer, less what the machine used at rest, per byte', () => {
    // 1 s of transfer; 1.3 s of CPU, 0.1 of it the machine's rest load: 1.2 s for 8 MB.
    expect(transferCpuPerByte(at(5000), at(6300), 1000, 8e6, 0.1)).toBeCloseTo(1200 / 8e6, 12);
    // Never negative (a quieter moment than the rest window).
    expect(transferCpuPerByte(at(5000), at(5050), 1000, 8e6, 0.1)).toBe(0);
    expect(() => transferCpuPerByte(at(5000), at(6000), 1000, 0, 0)).toThrow('bytes moved must be > 0, got 0');
    expect(() => transferCpuPerByte(at(6000), at(5000), 1000, 1, 0)).toThrow('must not go back in time');
  });

  it('times each transfer in turn and keeps the median', async () => {
    let busy = 0;
    let clock = 0;
    const cpuMs = [900, 1500, 1200];
    const moves = cpuMs.map((ms) => async () => {
      busy += ms;
      clock += 1000;
      return { bytes: 8e6, ms: 500 };
    });
    const r = await measureHostTransfer(moves, { restCores: 0, sample: () => at(busy), now: () => clock });
    expect(r!.samples.map((x) => x * 8e6)).toEqual([900, 1500, 1200].map((x) => expect.closeTo(x, 6)));
    expect(r!.msPerByte * 8e6).toBeCloseTo(1200, 6);
    expect(r!.bytesPerSecond).toEqual([16e6, 16e6, 16e6]);
    expect(await measureHostTransfer([], { restCores: 0 })).toBeUndefined();
  });
});
